"""A tiny order service that ships in a Docker image: checkdeck's demo project."""
