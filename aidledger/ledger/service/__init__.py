"""The ledger's services over the database: posting, balances, accounts, periods, verify, export, views."""
