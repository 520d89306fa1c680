"""The overdue watch for supervisors: issue 5."""
