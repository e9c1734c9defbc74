"""The Docker engine through its API: endpoint, build requests and their streams, the context as a tar, containers."""
