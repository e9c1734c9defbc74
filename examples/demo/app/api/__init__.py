"""HTTP handlers: the top layer, which may use the services and the storage below it."""
