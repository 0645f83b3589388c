"""Outgoing mail through an outbox table: written in the same transaction as the change that caused
it, delivered afterwards by ``flask outbox send`` with retries and backoff."""
