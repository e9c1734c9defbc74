"""The `websocket` kind: a declared event contract checked against a live server."""
