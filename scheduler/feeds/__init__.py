"""Calendar feeds: what goes in a feed (scopes, content) and the one iCalendar writer (pure)."""
