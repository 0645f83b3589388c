"""Open data: CSV and JSON downloads of the public records, streamed, under CC BY 4.0."""
