"""Home page, health check and other site-wide pages."""
