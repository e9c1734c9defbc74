"""Reading checkdeck.toml / [tool.checkdeck] into model types, and detection for projects
without a config."""
