"""Accounts: registration with email verification, login, passwords, profiles and roles."""
