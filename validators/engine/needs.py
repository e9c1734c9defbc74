"""What the runner asks of the services its validators need. The engine knows only this
shape; `validators.services` implements it, and whoever builds a runner hands one in."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Protocol

import anyio
from anyio.abc import TaskGroup

from validators.engine.model import Event, Finding

Publish = Callable[[Event], Awaitable[None]]


class Lease(Protocol):
    """The services one validator attempt holds."""

    @property
    def problem(self) -> Finding | None:
        """Why a needed service is not there (never ready, would not start), or None."""

    @property
    def lost(self) -> anyio.Event:
        """Set when a held service ends by itself while the validator runs."""

    def lost_finding(self) -> Finding:
        """The crash, for the validator's findings: which service, how it ended, its last lines."""


class ServiceHost(Protocol):
    async def open(self, tg: TaskGroup, publish: Publish, run_dir: Path) -> None: ...

    async def acquire(self, holder: str, names: Sequence[str]) -> Lease:
        """Hold these services for `holder` (started if needed) and wait until each is ready or
        has failed to be. The hold is taken before the first await: a service another holder
        is about to let go of stays up."""

    def release(self, holder: str) -> None:
        """A service nobody holds any more is stopped with its whole tree."""

    def renew(self, name: str) -> None:
        """The next holder of this service gets a fresh process (a restart)."""

    async def close(self) -> None:
        """Stop every service; the run is over."""
