"""The `architecture` validator kind."""
