"""Open311 GeoReport v2, read-only, so existing civic-tech tools can read Qhawaq."""
