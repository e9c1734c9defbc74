"""Where runs live on disk: `.checkdeck/runs/<timestamp>/`, one log per validator and summary.json."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

RUNS_DIR = Path(".checkdeck") / "runs"
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
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "validator"


def log_name(name: str, attempt: int) -> str:
    return f"{slug(name)}.log" if attempt == 1 else f"{slug(name)}.{attempt}.log"


def past_runs(project_dir: Path) -> list[Path]:
    """Run folders with a summary, newest first."""
    base = project_dir / RUNS_DIR
    try:
        entries = [base / e for e in os.listdir(base)]
    except OSError:
        return []
    return sorted((p for p in entries if (p / SUMMARY_NAME).is_file()), reverse=True)
