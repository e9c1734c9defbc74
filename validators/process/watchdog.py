"""The lifeline: a small process that outlives checkdeck by a moment, only to end what checkdeck
started if checkdeck itself is killed (SIGKILL leaves it no chance to clean up).

checkdeck holds the write end of a pipe that is this process's stdin and tells it about each
command before it starts it ("add TOKEN 0 0 CGROUP": the run token and cgroup are known before
the process exists), once it runs ("add TOKEN LEADER SINCE CGROUP") and when it has ended
("del TOKEN"). End of file means checkdeck is gone: everything still listed gets TERM, then
KILL, found and ended by the same code checkdeck uses (`tree`). Run as
`python -m validators.process.watchdog`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from validators.process.cgroup import Cgroup
from validators.process.tree import Group, exclude, members, signal_group

GRACE_S = 1.0


def _end(groups: list[Group]) -> None:
    """TERM, a grace period, then KILL: the same nets as checkdeck's own (`tree.members`)."""
    for group in groups:
        signal_group(group, members(group), signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while any(members(g) for g in groups) and time.monotonic() < deadline:
        time.sleep(0.05)
    for group in groups:
        if group.cgroup is not None:
            group.cgroup.kill()
        signal_group(group, members(group), signal.SIGKILL)
    deadline = time.monotonic() + 2
    for group in groups:
        while group.cgroup is not None and group.cgroup.path.exists() and time.monotonic() < deadline:
            group.cgroup.remove()
            time.sleep(0.05)


def main() -> None:
    # Not a target of the terminal's Ctrl-C: checkdeck handles that itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: dict[str, Group] = {}
    pooled: list[Cgroup] = []
    for line in sys.stdin:
        parts = line.split()
        if len(parts) == 5 and parts[0] == "add":
            token, leader, since, cgroup = parts[1], int(parts[2]), float(parts[3]), parts[4]
            groups[token] = Group(leader, token, since, Cgroup(Path(cgroup)) if cgroup != "-" else None)
        elif len(parts) == 2 and parts[0] == "del":
            groups.pop(parts[1], None)
        elif len(parts) == 2 and parts[0] == "pool":
            pooled.append(Cgroup(Path(parts[1])))
    if groups:
        _end(list(groups.values()))
    for cgroup in pooled:
        # Empty unless a command was in it when checkdeck died (then `groups` ended it).
        cgroup.kill()
        deadline = time.monotonic() + 2
        while cgroup.path.exists() and time.monotonic() < deadline:
            cgroup.remove()
            if cgroup.path.exists():
                time.sleep(0.05)


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

    def pool(self, cgroup: str) -> None:
        """An empty cgroup kept for later commands: removed at the end like the others."""
        self._send(f"pool {cgroup}")


LIFELINE = Lifeline()

if __name__ == "__main__":
    main()
