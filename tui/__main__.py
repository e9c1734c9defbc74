"""`python -m tui`: the checkdeck command."""

from tui.cli import entry

# Guarded: worker processes (anyio.to_process) load the main module of their parent.
if __name__ == "__main__":
    entry()
