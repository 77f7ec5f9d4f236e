"""Calendar feeds: what goes in a feed (scopes, content), the one iCalendar writer, tokens."""
