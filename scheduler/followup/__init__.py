"""Year-end follow-up: ask each responsible role what was done, collect it through a form, and
write it back into the plan's Uppföljning column."""
