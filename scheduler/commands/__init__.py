"""The `scheduler` subcommands, one module per capability: parse arguments, call a service, print."""
