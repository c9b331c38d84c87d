"""Double-entry core: money, chart of accounts, entries, posting, verification, export."""
