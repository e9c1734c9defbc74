"""The engine: model types, the runner and its events, the registry of kinds, the run store.
It knows no kind by import, only by the registry's strings."""
