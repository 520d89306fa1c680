"""Statistics reports: issue 5."""
