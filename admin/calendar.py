"""The working calendar: the year's holidays and the province's own days (issue 4)."""
