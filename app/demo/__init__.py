"""Demo data for development and evaluation (``flask demo``)."""
