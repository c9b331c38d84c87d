"""`python -m aidledger`: the same command as the `aidledger` script."""

from .cli import main

main()
