"""Storage: the bottom layer, which must not know the layers above it."""
