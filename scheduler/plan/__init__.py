"""The plan as plain values: model, roles, review, plan files (.toml, .xlsx)."""
