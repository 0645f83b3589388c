"""Territory reference data: Bolivia's departments and municipalities, loaded from CSV."""
