"""Write a run summary in the format its file extension names."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..model import RunSummary
from . import json_report, junit, markdown, sarif
from .atomic import write_atomic

RENDERERS: dict[str, Callable[[RunSummary], str]] = {
    ".json": json_report.render,
    ".md": markdown.render,
    ".xml": junit.render,
    ".sarif": sarif.render,
}


class ExportError(ValueError):
    pass


def renderer_for(path: Path) -> Callable[[RunSummary], str]:
    suffix = path.suffix.lower()
    if suffix not in RENDERERS:
        raise ExportError(
            f"{path}: cannot tell the format from {suffix or 'no extension'!r}; use one of " + ", ".join(RENDERERS)
        )
    return RENDERERS[suffix]


def export(summary: RunSummary, path: Path) -> None:
    write_atomic(path, renderer_for(path)(summary))
