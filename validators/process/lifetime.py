"""Worker processes that end with their parent: a pool's workers block on their queue, and
when the process that owns the pool is killed (a cancel, a timeout) nothing else would ever
tell them to stop."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """A pool initializer (Linux): SIGKILL this process when its parent ends. `parent` is the
    pool owner's PID, to catch an owner that ended before the request was made."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is not None:
        libc = ctypes.CDLL(libc_name, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)
