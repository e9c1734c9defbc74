"""The JSON run report (schema: validators/schemas/report.schema.json), version 1."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from ..model import Finding, RunSummary, ValidatorResult

VERSION = 1
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "report.schema.json"


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _finding(f: Finding) -> dict[str, object]:
    out: dict[str, object] = {
        "severity": f.severity.value,
        "rule": f.rule,
        "message": f.message,
        "path": f.path,
        "line": f.line,
    }
    if f.hint:
        out["hint"] = f.hint
    return out


def _validator(r: ValidatorResult, summary: RunSummary) -> dict[str, object]:
    log_path: str | None = None
    if r.log_path is not None:
        try:
            log_path = r.log_path.relative_to(summary.project_dir).as_posix()
        except ValueError:
            log_path = str(r.log_path)
    return {
        "name": r.name,
        "kind": r.kind,
        "status": r.status.value,
        "duration_s": round(r.duration_s, 3),
        "summary": r.summary,
        "log_path": log_path,
        "exit_code": r.exit_code,
        "attempt": r.attempt,
        "started_at": _time(r.started_at),
        "finished_at": _time(r.finished_at),
        "findings": [_finding(f) for f in r.findings],
        "checks": [
            {
                "name": c.name,
                "classname": c.classname,
                "status": c.status.value,
                "duration_s": round(c.duration_s, 3),
                "message": c.message,
                "path": c.path,
                "line": c.line,
            }
            for c in r.checks
        ],
    }


def to_dict(summary: RunSummary) -> dict[str, object]:
    return {
        "version": VERSION,
        "status": summary.status.value,
        "started_at": _time(summary.started_at),
        "duration_s": round(summary.duration_s, 3),
        "project_dir": str(summary.project_dir),
        "run_dir": str(summary.run_dir),
        "validators": [_validator(r, summary) for r in summary.results],
    }


def render(summary: RunSummary) -> str:
    return json.dumps(to_dict(summary), indent=2, ensure_ascii=False) + "\n"
