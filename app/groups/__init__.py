"""Oversight groups (actores de control social, Law 341): members act together, file as the
group, follow programs and share a dashboard."""
