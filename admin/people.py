"""Units and users (issue 4)."""
