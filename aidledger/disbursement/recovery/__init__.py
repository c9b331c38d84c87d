"""Receivables (应收回) from overpayments and what is recovered of them."""
