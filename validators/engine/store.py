"""Where runs live on disk: `.checkdeck/runs/<timestamp>/`, one log per validator and
summary.json (written here and read back into model types), and `.checkdeck/cache/`."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from validators.engine.atomic import write_atomic
from validators.engine.codec import render_report, summary_from_report
from validators.engine.model import RunSummary

STATE_DIR = Path(".checkdeck")
RUNS_DIR = STATE_DIR / "runs"
CACHE_DIR = STATE_DIR / "cache"
SUMMARY_NAME = "summary.json"


def new_run_dir(project_dir: Path, now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    base = project_dir / RUNS_DIR
    base.mkdir(parents=True, exist_ok=True)
    stamp = now.strftime("%Y%m%dT%H%M%S") + f".{now.microsecond // 1000:03d}Z"
    for n in range(1000):
        path = base / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path
    raise RuntimeError(f"cannot create a run folder under {base}")


def slug(name: str) -> str:
    """A file-name-safe form of a validator name; letters of any script survive."""
    return re.sub(r"[\W_]+", "-", name.casefold()).strip("-")[:60].strip("-") or "validator"


def log_stems(names: Iterable[str]) -> dict[str, str]:
    """A distinct file stem per validator name, in order: "unit tests" and "Unit-Tests" both
    slug to "unit-tests", so the second becomes "unit-tests-2"."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = slug(name)
        stem, n = base, 1
        while stem in taken:
            n += 1
            stem = f"{base}-{n}"
        taken.add(stem)
        stems[name] = stem
    return stems


def log_name(stem: str, attempt: int) -> str:
    return f"{stem}.log" if attempt == 1 else f"{stem}.{attempt}.log"


def cache_file(project_dir: Path, name: str) -> Path:
    return project_dir / CACHE_DIR / name


def write_summary(summary: RunSummary) -> Path:
    path = summary.run_dir / SUMMARY_NAME
    write_atomic(path, render_report(summary))
    return path


def read_summary(run_dir: Path) -> RunSummary | None:
    """The run kept in `run_dir`, or None when its summary is missing or unreadable."""
    try:
        data = json.loads((run_dir / SUMMARY_NAME).read_text(encoding="utf-8"))
        return summary_from_report(data)
    except (OSError, ValueError):
        return None


def past_runs(project_dir: Path) -> list[Path]:
    """Run folders with a summary, newest first."""
    base = project_dir / RUNS_DIR
    try:
        entries = [base / e for e in os.listdir(base)]
    except OSError:
        return []
    return sorted((p for p in entries if (p / SUMMARY_NAME).is_file()), reverse=True)
