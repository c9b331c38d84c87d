"""aidledger: the double-entry books and payment engine of social-assistance funds."""

__version__ = "0.1.0"
