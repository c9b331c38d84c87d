"""Policy files: load, validate, inherit, dated values."""
