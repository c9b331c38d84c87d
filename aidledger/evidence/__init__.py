"""The evidence chain: every record an auditor relies on, sealed under a keyed hash chain (kinds.py)."""
