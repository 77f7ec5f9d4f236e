"""Shared helpers every layer may use: errors, text safety, files, links, templates, time."""
