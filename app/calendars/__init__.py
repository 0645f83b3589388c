"""iCalendar (RFC 5545) files: due dates and accountability sessions."""
