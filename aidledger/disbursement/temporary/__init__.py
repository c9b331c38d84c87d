"""Temporary assistance (临时救助) grants, paid at once or in instalments."""
