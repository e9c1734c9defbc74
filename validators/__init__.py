"""checkdeck's engine: validators, the runner that runs them, and their reports. No UI here."""
