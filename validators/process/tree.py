"""Find and end every process a validator started, including ones that left its process group."""

from __future__ import annotations

import os
import signal
from typing import NamedTuple

TOKEN_VAR = "CHECKDECK_RUN_TOKEN"


class _Stat(NamedTuple):
    ppid: int
    pgid: int
    start_ticks: int
    alive: bool


def _stat(pid: int) -> _Stat | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name may hold spaces and parentheses; the fields start after the last ")".
    fields = raw[raw.rfind(b")") + 2 :].split()
    return _Stat(int(fields[1]), int(fields[2]), int(fields[19]), fields[0] not in (b"Z", b"X"))


def ticks_now() -> int:
    """Now, in the clock ticks since boot that /proc/PID/stat uses for start times, less one
    tick of rounding; 0 (meaning "any time") when it cannot be read."""
    try:
        with open("/proc/uptime", "rb") as f:
            uptime = float(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    return max(0, int(uptime * os.sysconf("SC_CLK_TCK")) - 1)


def _has_token(pid: int, marker: bytes) -> bool:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            return marker in f.read()
    except OSError:
        return False


def find_tree(leader: int, token: str | None, since_ticks: int = 0) -> set[int]:
    """Live PIDs in the leader's process group, its descendants, and any process carrying the token.

    The token (an environment variable every child inherits) finds daemonised grandchildren
    that called setsid() and were re-parented to init after their parent exited. Only
    processes started after `since_ticks` can carry it, which spares reading every environ.
    """
    marker = f"{TOKEN_VAR}={token}".encode() if token else None
    me = os.getpid()
    stats: dict[int, _Stat] = {}
    found: set[int] = set()
    try:
        names = os.listdir("/proc")
    except OSError:
        return set()
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        pid = int(name)
        stat = _stat(pid)
        if stat is None:
            continue
        stats[pid] = stat
        if pid == leader or stat.pgid == leader:
            found.add(pid)
        elif marker is not None and stat.start_ticks >= since_ticks and _has_token(pid, marker):
            found.add(pid)
    children: dict[int, list[int]] = {}
    for pid, stat in stats.items():
        children.setdefault(stat.ppid, []).append(pid)
    stack = [*found, leader]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return {pid for pid in found if pid in stats and stats[pid].alive}


def signal_all(pids: set[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
