"""Åtgärdsplan scheduler: turns a crime-prevention action plan into meetings, feeds and follow-up."""

__version__ = "0.1.0"
