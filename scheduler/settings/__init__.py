"""config.toml and the environment, read once and validated."""
