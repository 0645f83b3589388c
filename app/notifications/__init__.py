"""In-app notifications (with an unread count) and their mail through the outbox."""
