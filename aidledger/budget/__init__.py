"""Funds and budget rules: allocations, availability, the purchased-services cap, township reserves."""
