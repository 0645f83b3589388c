"""Threaded public comments on programs: stances, votes, edits with history, soft delete, flags."""
