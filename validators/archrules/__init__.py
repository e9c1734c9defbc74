"""Architecture rules over a Python codebase: its modules, import graph, contracts, code size."""
