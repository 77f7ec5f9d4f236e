"""The one email pipeline: rendering, MIME messages, delivery (file or SMTP)."""
