"""Site administration: users, roles and account blocking."""
