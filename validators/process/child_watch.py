"""Learn that a child exited through a pidfd on the loop that started it, as Python 3.12 does.

Python 3.11's default child watcher starts one thread per subprocess just to block in waitpid();
starting that thread costs about half a millisecond, a third of a trivial validator's run. A
pidfd becomes readable when its process exits, so the running loop itself can wait for it. The
watcher asks for the running loop on each call, so an engine loop in its own thread and any
other loop can start subprocesses at the same time."""

from __future__ import annotations

import asyncio
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

_installed = False


class _LoopPidfdWatcher(asyncio.AbstractChildWatcher):
    def __enter__(self) -> _LoopPidfdWatcher:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def is_active(self) -> bool:
        return True

    def close(self) -> None:
        return None

    def attach_loop(self, loop: asyncio.AbstractEventLoop | None) -> None:
        return None

    def add_child_handler(self, pid: int, callback: Callable[..., object], *args: Any) -> None:  # type: ignore[override]
        loop = asyncio.get_running_loop()
        try:
            pidfd = os.pidfd_open(pid)
        except ProcessLookupError:
            loop.call_soon(callback, pid, 255, *args)
            return
        loop.add_reader(pidfd, self._exited, loop, pid, pidfd, callback, args)

    def _exited(
        self,
        loop: asyncio.AbstractEventLoop,
        pid: int,
        pidfd: int,
        callback: Callable[..., object],
        args: tuple[Any, ...],
    ) -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        try:
            _, status = os.waitpid(pid, 0)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:
            code = 255  # reaped elsewhere: what asyncio's own watchers report then
        callback(pid, code, *args)

    def remove_child_handler(self, pid: int) -> bool:
        return False  # asyncio 3.11 never calls this for transports it made


def install() -> None:
    """Once per process, on Python 3.11 where the kernel offers pidfds; newer Pythons already
    wait this way."""
    global _installed
    if _installed:
        return
    _installed = True
    if sys.version_info >= (3, 12) or not hasattr(os, "pidfd_open"):
        return
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:
        return  # a kernel before 5.3, or a sandbox that forbids it: keep the threads
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        asyncio.get_event_loop_policy().set_child_watcher(_LoopPidfdWatcher())
