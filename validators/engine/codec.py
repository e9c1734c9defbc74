"""The JSON form of a run (the report schema, version 1), both ways, derived from the model's
dataclasses by cattrs so that no reader or writer spells the fields out by hand."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from validators.engine.model import Check, RunSummary, ValidatorResult

REPORT_VERSION = 1

_converter = make_converter()
_converter.register_unstructure_hook(Path, str)
_converter.register_structure_hook(Path, lambda value, _: Path(value))
_converter.register_unstructure_hook(datetime, lambda value: value.isoformat().replace("+00:00", "Z"))
_converter.register_structure_hook(datetime, lambda value, _: datetime.fromisoformat(value))
_converter.register_unstructure_hook(
    RunSummary, make_dict_unstructure_fn(RunSummary, _converter, results=override(rename="validators"))
)
_converter.register_structure_hook(
    RunSummary, make_dict_structure_fn(RunSummary, _converter, results=override(rename="validators"))
)


def _for_report(summary: RunSummary) -> RunSummary:
    """Durations to the millisecond, log paths relative to the project (a report travels)."""

    def log_path(path: Path | None) -> Path | None:
        if path is None or not path.is_absolute():
            return path
        try:
            return path.relative_to(summary.project_dir)
        except ValueError:
            return path

    def check(c: Check) -> Check:
        return dataclasses.replace(c, duration_s=round(c.duration_s, 3))

    def result(r: ValidatorResult) -> ValidatorResult:
        return dataclasses.replace(
            r,
            duration_s=round(r.duration_s, 3),
            log_path=log_path(r.log_path),
            checks=tuple(check(c) for c in r.checks),
        )

    return dataclasses.replace(
        summary, duration_s=round(summary.duration_s, 3), results=tuple(result(r) for r in summary.results)
    )


def report_dict(summary: RunSummary) -> dict[str, Any]:
    data: dict[str, Any] = _converter.unstructure(_for_report(summary))
    return {"version": REPORT_VERSION, **data}


# A file name that is not UTF-8 reaches Python as lone surrogates (os.fsdecode); JSON keeps them
# exact as \udcXX escapes, which json.loads turns back into the same string.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def render_report(summary: RunSummary) -> str:
    text = json.dumps(report_dict(summary), indent=2, ensure_ascii=False) + "\n"
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def summary_from_report(data: object) -> RunSummary:
    """The inverse of `report_dict`; raises ValueError when `data` is not a version-1 report."""
    if not isinstance(data, dict) or data.get("version") != REPORT_VERSION:
        raise ValueError(f"not a version {REPORT_VERSION} checkdeck report")
    try:
        summary = _converter.structure(data, RunSummary)
    except Exception as exc:  # cattrs raises its own exception groups; callers want one error type
        raise ValueError(f"not a valid checkdeck report: {exc}") from exc
    results = tuple(
        dataclasses.replace(r, log_path=summary.project_dir / r.log_path)
        if r.log_path is not None and not r.log_path.is_absolute()
        else r
        for r in summary.results
    )
    return dataclasses.replace(summary, results=results)
