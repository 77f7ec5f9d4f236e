"""Year-end follow-up as values: the facts per measure and the followed-up plan's export."""
