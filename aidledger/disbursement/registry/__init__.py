"""The registry: households, members and their dated events, read from the county's files and stored."""
