"""The plan as people wrote it: who convenes (roles), what to look at (review), plan files."""
