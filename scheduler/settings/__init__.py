"""config.toml and the environment, read once at start into one typed `Settings`."""
