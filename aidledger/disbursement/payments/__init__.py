"""What the cycles paid: the payment records (cycles, lines, returns, re-issues) that every sub-ledger reads.

Below the cycles, so arrears, recovery, temporary grants and subsidies read what was paid without importing
the cycle's process (disbursement/cycles), which sits above them all.
"""
