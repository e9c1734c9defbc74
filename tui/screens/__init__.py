"""Modal screens: help, export, finding detail, history, confirmation."""
