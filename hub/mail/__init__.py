"""E-mail: the messages the outbox's items become, the SMTP client that sends them, and the
development mail sink."""
