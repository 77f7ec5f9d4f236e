"""The `scheduler` subcommands, one module per capability. Each module's `register` adds its
commands to the parser; each command parses nothing itself, calls the library and prints."""
