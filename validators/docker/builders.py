"""The builders whose context rules checkdeck models."""

from __future__ import annotations

BUILDERS = ("buildkit", "classic")
