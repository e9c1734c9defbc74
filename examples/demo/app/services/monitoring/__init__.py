"""Health and metrics for the order service."""
