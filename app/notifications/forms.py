from __future__ import annotations

from flask_wtf import FlaskForm


class MarkReadForm(FlaskForm):
    """The "Mark all as read" button: just the CSRF token."""
