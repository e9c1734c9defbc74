"""Write a file so that readers see the old content or the new, never half of it; the file keeps
the mode it had (or gets the one the umask gives a new file), and a symlink stays a symlink."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import threading
from pathlib import Path

_umask_lock = threading.Lock()


def _umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    with _umask_lock:  # the only portable way to read it is to set it
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_atomic(path: Path, data: str) -> None:
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
