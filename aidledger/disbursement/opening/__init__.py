"""A county's first month (启用月): what the books before aidledger hand over, loaded once."""
