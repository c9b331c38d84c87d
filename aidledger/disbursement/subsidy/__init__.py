"""Price subsidies and heating: the declarations that make a month's one-off payments."""
