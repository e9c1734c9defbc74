"""Exporters: a finished run as JSON, Markdown, JUnit XML or SARIF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from validators.engine.atomic import write_atomic
from validators.engine.model import RunSummary
from validators.exports import json_report, junit, markdown, sarif

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
