"""The plan's dated occurrences: placing every measure, deconflicting, review."""
