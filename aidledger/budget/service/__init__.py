"""The budget's services over the books: allocations, fund figures, purchases, reserves, policies loaded."""
