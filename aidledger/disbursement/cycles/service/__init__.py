"""The payment cycle's services: run, approve, pay, book returns, cancel."""
