"""The monthly payment cycle: run, approval, bank files, returns, and the checks of its books."""
