"""Find and end every process a validator started, including ones that left its process group."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

PROC = Path("/proc")
TOKEN_VAR = "CHECKDECK_RUN_TOKEN"


def _alive(pid: int) -> bool:
    """True unless the process is gone or a zombie (a zombie holds no resources but its PID)."""
    try:
        stat = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return False
    state = stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3]
    return state not in (b"Z", b"X")


def _stat_fields(pid: int) -> tuple[int, int] | None:
    """(ppid, pgid) of a process, or None when it is gone."""
    try:
        stat = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    return int(fields[1]), int(fields[2])


def _all_pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir(PROC) if name.isdigit()]
    except OSError:
        return []


def _has_token(pid: int, token: bytes) -> bool:
    try:
        return token in (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return False


def find_tree(leader: int, token: str | None) -> set[int]:
    """PIDs in the leader's process group, its descendants, and any process carrying the token.

    The token (an environment variable every child inherits) finds daemonised grandchildren
    that called setsid() and were re-parented to init after their parent exited.
    """
    pids = _all_pids()
    parents: dict[int, int] = {}
    found: set[int] = set()
    marker = f"{TOKEN_VAR}={token}".encode() if token else None
    me = os.getpid()
    for pid in pids:
        if pid == me:
            continue
        fields = _stat_fields(pid)
        if fields is None:
            continue
        ppid, pgid = fields
        parents[pid] = ppid
        if pgid == leader or pid == leader or (marker is not None and _has_token(pid, marker)):
            found.add(pid)
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    stack = list(found | {leader})
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return {pid for pid in found if _alive(pid)}


def signal_all(pids: set[int], sig: signal.Signals) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def kill_tree_blocking(leader: int, token: str | None, grace_s: float) -> int:
    """TERM, wait up to grace_s, then KILL whatever is left. Returns how many were signalled.

    Blocking on purpose: it also runs from atexit and signal paths where no event loop exists.
    """
    pids = find_tree(leader, token)
    if not pids:
        return 0
    signal_all(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in pids):
            return len(pids)
        time.sleep(0.02)
    rest = find_tree(leader, token) | {pid for pid in pids if _alive(pid)}
    signal_all(rest, signal.SIGKILL)
    return len(pids | rest)
