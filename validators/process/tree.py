"""Find and end every process a started command spawned, including those that left its process
group, dropped their environment or were orphaned. Three nets, widest first:

- a cgroup v2 per command where the machine allows one (exact: membership survives setsid,
  `env -i` and double forks);
- the command's process group and its descendants, and any process carrying the run token in
  its environment (started after the command);
- orphans: checkdeck is a child subreaper on Linux, so a daemon whose parent exited is
  re-parented to checkdeck, where it is found by its session (not checkdeck's own) and its
  start time.

Process tables are read through psutil; the process-group kill needs nothing but a syscall."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

import psutil

from validators.process.cgroup import Cgroup

TOKEN_VAR = "CHECKDECK_RUN_TOKEN"
# psutil's start times are rounded to clock ticks: allow for that when comparing.
START_SLACK_S = 0.05
_PR_SET_CHILD_SUBREAPER = 36


@dataclass(eq=False)
class Group:
    leader: int
    token: str
    since: float  # the leader's start time, on psutil's clock; 0 when unknown
    cgroup: Cgroup | None = None
    seen: set[int] = field(default_factory=set)  # every member found so far
    in_cgroup: bool = False  # the cgroup was seen holding the command: it alone is the truth


_live: dict[int, Group] = {}  # by leader: the commands running now
_spawning = 0  # commands being started: their leaders exist before they are in _live
_helpers: set[int] = set()  # our own children in sessions of their own (the watchdog)
_subreaper = False


def become_subreaper() -> None:
    """Orphans of our children re-parent to us, not to init, so they stay findable (Linux)."""
    global _subreaper
    if _subreaper or not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def start_time(pid: int) -> float:
    """When `pid` started, on the clock psutil reports other processes' start times in."""
    try:
        return psutil.Process(pid).create_time()
    except Exception:  # no /proc, or the process is gone already
        return 0.0


@contextlib.contextmanager
def spawning() -> Iterator[None]:
    """Around the creation of a command's leader. A new leader is our child in a session of
    its own, just like an adopted orphan, until it is registered: no orphan is taken meanwhile."""
    global _spawning
    _spawning += 1
    try:
        yield
    finally:
        _spawning -= 1


def exclude(pid: int) -> None:
    """A helper of checkdeck's own that lives in a session of its own: never an orphan."""
    _helpers.add(pid)


def register(group: Group) -> None:
    _live[group.leader] = group


def unregister(group: Group) -> None:
    _live.pop(group.leader, None)


def _table() -> dict[int, psutil.Process]:
    me = os.getpid()
    procs: dict[int, psutil.Process] = {}
    for proc in psutil.process_iter(["ppid", "create_time", "status"]):
        if proc.pid == me or proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        procs[proc.pid] = proc
    return procs


def _carries(proc: psutil.Process, token: str) -> bool:
    try:
        return proc.environ().get(TOKEN_VAR) == token
    except (psutil.Error, OSError):
        return False


def members(group: Group) -> set[int]:
    """Live PIDs that belong to the group's command."""
    if group.cgroup is not None:
        inside = group.cgroup.pids()
        if inside:
            group.in_cgroup = True
        if group.in_cgroup:
            # Nothing leaves a cgroup on its own: no process table needs reading.
            group.seen |= inside
            return inside
    return _members_by_table(group)


def _members_by_table(group: Group) -> set[int]:
    inside = group.cgroup.pids() if group.cgroup else set()
    found = set(inside)
    try:
        procs = _table()
    except Exception:  # no /proc: psutil fails in ways of its own (even IndexError)
        return found | {p for p in group.seen if _exists(p)}
    me, my_session = os.getpid(), os.getsid(0)
    others = [g for g in _live.values() if g is not group]
    for pid, proc in procs.items():
        info = proc.info
        # Leader 0: a command the watchdog heard of before it started, known by token only.
        with contextlib.suppress(OSError):
            if group.leader > 0 and (pid == group.leader or os.getpgid(pid) == group.leader):
                found.add(pid)
                continue
        created = info["create_time"] or 0.0
        if created < group.since - START_SLACK_S:
            continue
        if _carries(proc, group.token):
            found.add(pid)
        elif (
            not _spawning
            and info["ppid"] == me
            and _session(pid) not in (my_session, None)
            and pid not in _live
            and pid not in _helpers
        ):
            # An orphan re-parented to us. It is this group's unless another command was
            # running when it started; then the last of them to end takes it.
            if not any(g.since - START_SLACK_S <= created for g in others):
                found.add(pid)
    children: dict[int, list[int]] = {}
    for pid, proc in procs.items():
        children.setdefault(proc.info["ppid"], []).append(pid)
    stack = [*found, *group.seen, *([group.leader] if group.leader > 0 else [])]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    alive = {pid for pid in found if pid in procs or pid in inside}
    group.seen |= alive
    return alive


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _session(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def signal_group(group: Group, pids: set[int], sig: signal.Signals) -> None:
    # The process-group kill first: it needs no process table at all.
    if group.leader > 0:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group.leader, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def sweep_orphans() -> int:
    """End the orphans re-parented to us that no command claimed (started while several ran):
    called once nothing runs any more. Returns how many were signalled."""
    if _live or _spawning:
        return 0
    my_session = os.getsid(0)
    found: list[psutil.Process] = []
    for pid in _child_pids():
        if pid in _helpers:
            continue
        with contextlib.suppress(psutil.Error):
            child = psutil.Process(pid)
            if _session(pid) not in (my_session, None) and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
    for child in found:
        for proc in [*_descendants(child), child]:
            with contextlib.suppress(psutil.Error, OSError):
                proc.kill()
    if found:
        with contextlib.suppress(Exception):
            psutil.wait_procs(found, timeout=2)
    reap_orphans()
    return len(found)


def _descendants(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except (psutil.Error, OSError):
        return []


def _child_pids() -> list[int]:
    """Our children. From /proc/self/task/*/children (one small file per thread) where the
    kernel offers it: psutil's children() reads every process's stat to find them, which
    costs milliseconds on a busy machine, once per command. Empty without /proc."""
    pids: list[int] = []
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/children", "rb") as f:
                pids.extend(int(x) for x in f.read().split())
        return pids
    except (OSError, ValueError):
        pass
    try:
        return [child.pid for child in psutil.Process().children()]
    except Exception:  # psutil without /proc fails in ways of its own
        return []


def _zombie_in_other_session(pid: int, my_session: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    # The command name is in parentheses and may hold anything: fields follow the last ')'.
    fields = stat[stat.rfind(b")") + 2 :].split()
    return len(fields) > 3 and fields[0] == b"Z" and int(fields[3]) != my_session


def reap_orphans() -> None:
    """Collect the exit status of orphans re-parented to us, so none stays a zombie. Only
    processes in a session of their own: those are never ones asyncio or anyio wait for."""
    if _spawning:
        # A leader that exited before it was registered is a zombie asyncio must collect.
        return
    my_session = os.getsid(0)
    for pid in _child_pids():
        if pid in _live or pid in _helpers:
            continue
        if _zombie_in_other_session(pid, my_session):
            with contextlib.suppress(OSError):
                os.waitpid(pid, os.WNOHANG)
