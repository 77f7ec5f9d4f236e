"""Where the pure steps meet the store: import, refresh, feeds, dispatch, follow-up."""
