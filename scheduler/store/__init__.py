"""The one place that speaks SQL: tables, migrations and the functions that read and write them."""
