"""Cross-cutting pieces shared by every feature package: database types, i18n, security, errors."""
