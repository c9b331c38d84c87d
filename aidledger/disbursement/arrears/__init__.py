"""Months already paid computed again after a policy or a late registry event: arrears (补发) and overpayments."""
