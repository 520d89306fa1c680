"""Printable slips (forms 01–06) as PDF: issue 5."""
