"""The web edge: FastAPI routes, thin; errors become HTTP statuses in one place."""
