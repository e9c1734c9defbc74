"""A WebSocket event contract (events, fields, order, pairs, isolation) and the sessions that
check it against a live server."""
