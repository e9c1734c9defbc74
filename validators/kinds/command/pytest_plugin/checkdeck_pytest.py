"""A pytest plugin checkdeck loads into the user's pytest (`-p checkdeck_pytest`): it appends one
JSON object per line to $CHECKDECK_PYTEST_EVENTS as tests are collected and finish.

It must import nothing outside the standard library and pytest: it runs in the user's
environment, not checkdeck's."""

from __future__ import annotations

import json
import os
from typing import Any

_path = os.environ.get("CHECKDECK_PYTEST_EVENTS")


def _write(record: dict[str, Any]) -> None:
    if not _path:
        return
    with open(_path, "a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")


def pytest_collection_finish(session: Any) -> None:
    _write({"event": "collected", "total": len(session.items)})


def _failure_location(report: Any) -> tuple[str | None, int | None, str]:
    """The deepest traceback entry inside the test's own file, else the crash point."""
    test_file = report.location[0] if report.location else None
    longrepr = report.longrepr
    crash = getattr(longrepr, "reprcrash", None)
    message = getattr(crash, "message", None)
    if not message:
        lines = str(longrepr).strip().splitlines()
        message = lines[-1] if lines else ""
    path, line = (getattr(crash, "path", None), getattr(crash, "lineno", None))
    entries = getattr(getattr(longrepr, "reprtraceback", None), "reprentries", None) or []
    for entry in reversed(entries):
        loc = getattr(entry, "reprfileloc", None)
        if loc is not None and test_file and str(loc.path).endswith(test_file):
            path, line = test_file, loc.lineno
            break
    if path is None and test_file:
        path, line = test_file, (report.location[1] or 0) + 1
    if path is not None and os.path.isabs(str(path)):
        try:
            path = os.path.relpath(str(path))
        except ValueError:
            pass
    return (str(path) if path is not None else None), line, str(message)


def pytest_runtest_logreport(report: Any) -> None:
    # One record per test: the call phase, or setup/teardown when they fail or skip.
    if report.when != "call" and not (report.failed or report.skipped):
        return
    path, line, message = (None, None, "")
    if report.failed or report.skipped:
        path, line, message = _failure_location(report)
    if report.skipped and isinstance(report.longrepr, tuple):
        message = str(report.longrepr[2])
    if hasattr(report, "wasxfail"):
        message = str(report.wasxfail or "") or message
    _write(
        {
            "event": "test",
            "nodeid": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            # xfail: skipped with wasxfail; xpass (not strict): passed with wasxfail.
            "xfail": hasattr(report, "wasxfail"),
            "duration": report.duration,
            "path": path,
            "line": line,
            "message": message,
            "test_file": report.location[0] if report.location else None,
            "test_line": (report.location[1] + 1) if report.location and report.location[1] is not None else None,
        }
    )
