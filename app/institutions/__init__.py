"""Public institutions that answer social-control observations."""
