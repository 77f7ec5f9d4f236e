"""Reminders: which emails the schedule calls for, and when (pure; the dispatcher is a service)."""
