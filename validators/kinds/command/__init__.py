"""The `command` kind: any command line; pytest understood through a small plugin."""
