"""Home page, legal pages and monitoring."""
