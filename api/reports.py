"""Statistics for the provincial dashboard: issue 5."""
