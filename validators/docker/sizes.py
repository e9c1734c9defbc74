"""Where the bytes of a build context are."""

from __future__ import annotations

from collections.abc import Iterable

from validators.docker.walk import Entry


def largest_dirs(entries: Iterable[Entry], limit: int = 10, depth: int = 2) -> list[tuple[str, int, int]]:
    """(directory, bytes, files) for the heaviest directories up to `depth` levels deep."""
    totals: dict[str, list[int]] = {}
    for entry in entries:
        parts = entry.path.split("/")[:-1]
        for d in range(1, min(len(parts), depth) + 1):
            key = "/".join(parts[:d])
            slot = totals.setdefault(key, [0, 0])
            slot[0] += entry.size
            slot[1] += 1
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][0], kv[0]))
    return [(path, size, count) for path, (size, count) in ranked[:limit]]


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
