"""Services: the rules of the platform; they own the transactions."""
