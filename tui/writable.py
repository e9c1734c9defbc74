"""Can checkdeck write where it will have to, checked before anything runs: a run that would
end unable to write its reports is refused at once, with the path and the reason."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def describe_os_error(exc: OSError) -> str:
    return exc.strerror or str(exc)


def report_path_problem(path: Path) -> str | None:
    """Why a report cannot be written at `path`, or None when it can be."""
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        return "is a directory"
    parent = target.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        return f"{parent} is not a directory"
    if target.exists() and not os.access(target, os.W_OK):
        return "is not writable"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"{parent} is not writable"
    return None


def state_dir_problem(project_dir: Path) -> str | None:
    """Why the run folder under .checkdeck/ cannot be created, or None. Tried for real: a
    read-only file system says so only when written to."""
    runs = project_dir / ".checkdeck" / "runs"
    try:
        runs.mkdir(parents=True, exist_ok=True)
        probe = runs / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        where = exc.filename or runs
        if exc.errno in (errno.EEXIST, errno.ENOTDIR):
            return f"{where}: a file is in the way"
        return f"{where}: {describe_os_error(exc)}"
    return None
