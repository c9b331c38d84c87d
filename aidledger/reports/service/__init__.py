"""What the reports read from the database, gathered into the pure report data (reports/*_data.py)."""
