"""The lifeline: a small process that outlives checkdeck by a moment, only to end what checkdeck
started if checkdeck itself is killed (SIGKILL leaves it no chance to clean up).

checkdeck holds the write end of a pipe that is this process's stdin and tells it about each
command before it starts it ("add TOKEN 0 0 CGROUP": the run token and cgroup are known before
the process exists), once it runs ("add TOKEN LEADER SINCE CGROUP") and when it has ended
("del TOKEN"). End of file means checkdeck is gone: everything still listed gets TERM, then
KILL. Run as
`python -m validators.process.watchdog`; it imports nothing but psutil."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

GRACE_S = 1.0


@dataclass
class _Entry:
    leader: int
    token: str
    since: float
    cgroup: str


def _members(entries: list[_Entry]) -> set[int]:
    import psutil

    found: set[int] = set()
    for entry in entries:
        if entry.cgroup != "-":
            with contextlib.suppress(OSError, ValueError):
                found |= {int(x) for x in Path(entry.cgroup, "cgroup.procs").read_text().split()}
    tokens = {e.token for e in entries}
    leaders = {e.leader for e in entries if e.leader > 0}
    since = min((e.since for e in entries), default=0.0) - 0.05
    me = os.getpid()
    for proc in psutil.process_iter(["create_time", "status"]):
        if proc.pid == me or proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        with contextlib.suppress(OSError):
            if os.getpgid(proc.pid) in leaders:
                found.add(proc.pid)
                continue
        if (proc.info["create_time"] or 0) >= since:
            with contextlib.suppress(psutil.Error, OSError):
                if proc.environ().get("CHECKDECK_RUN_TOKEN") in tokens:
                    found.add(proc.pid)
    return found


def _end(entries: list[_Entry]) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        pids = _members(entries)
        for entry in entries:
            if entry.leader > 0:
                with contextlib.suppress(OSError):
                    os.killpg(entry.leader, sig)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, sig)
        if sig is signal.SIGTERM:
            deadline = time.monotonic() + GRACE_S
            while _members(entries) and time.monotonic() < deadline:
                time.sleep(0.05)
    for entry in entries:
        if entry.cgroup != "-":
            with contextlib.suppress(OSError):
                Path(entry.cgroup, "cgroup.kill").write_text("1")
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    Path(entry.cgroup).rmdir()
                    break
                time.sleep(0.05)


def main() -> None:
    # Not a target of the terminal's Ctrl-C: checkdeck handles that itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    entries: dict[str, _Entry] = {}
    for line in sys.stdin:
        parts = line.split()
        if len(parts) == 5 and parts[0] == "add":
            entries[parts[1]] = _Entry(int(parts[2]), parts[1], float(parts[3]), parts[4])
        elif len(parts) == 2 and parts[0] == "del":
            entries.pop(parts[1], None)
    if entries:
        _end(list(entries.values()))


class Lifeline:
    """checkdeck's end of the pipe: one watchdog per checkdeck process, started on first use."""

    def __init__(self) -> None:
        self._pipe: IO[str] | None = None
        self._lock = threading.Lock()
        self._failed = False

    def _ensure(self) -> IO[str] | None:
        if self._pipe is None and not self._failed:
            package_root = str(Path(__file__).resolve().parents[2])
            env = {
                **os.environ,
                "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p),
            }
            env.pop("CHECKDECK_RUN_TOKEN", None)
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "validators.process.watchdog"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                    env=env,
                    text=True,
                    close_fds=True,
                )
            except OSError:
                self._failed = True
                return None
            from validators.process.tree import exclude

            exclude(proc.pid)
            self._pipe = proc.stdin
        return self._pipe

    def _send(self, line: str) -> None:
        with self._lock:
            pipe = self._ensure()
            if pipe is None:
                return
            try:
                pipe.write(line + "\n")
                pipe.flush()
            except (OSError, ValueError):
                self._failed = True
                self._pipe = None

    def add(self, token: str, leader: int, since: float, cgroup: str | None) -> None:
        """Before the command starts (leader 0: found by token and cgroup), and once it runs."""
        self._send(f"add {token} {leader} {since:.3f} {cgroup or '-'}")

    def remove(self, token: str) -> None:
        self._send(f"del {token}")


LIFELINE = Lifeline()

if __name__ == "__main__":
    main()
