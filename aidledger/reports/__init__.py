"""Reports: data built from the books, rendered as PDF (发放花名册, audit pack)."""
