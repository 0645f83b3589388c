"""Notifications: one pipeline (``services.notify``) writes the in-app row and queues its mail
through the outbox in the recipient's language, as each kind's entry in ``registry`` says.
Features register their kinds; this package imports no feature package."""
