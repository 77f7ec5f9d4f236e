"""Reminders: which emails the schedule calls for (planning), how they are sent (delivery), and
the dispatcher that sends what is due, once."""
