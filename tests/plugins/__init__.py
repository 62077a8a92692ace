"""pytest plugins that run real servers (slapd, SMTP) for the tests that need them."""
