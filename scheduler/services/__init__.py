"""Where the pure steps meet the store, and the edges' only door to it: a function per use case."""
