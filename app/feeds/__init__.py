"""Atom feeds of what the public pages show (RFC 4287)."""
