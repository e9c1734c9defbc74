"""A Runner on an event loop of its own, in its own thread, for a caller whose loop must stay
free (an interactive UI): reading pipes, decoding output and scanning process trees never
delay the caller's key handling. Events are handed over one by one in the runner's thread;
control calls are safe from any thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import anyio
from anyio.from_thread import BlockingPortal, start_blocking_portal

from validators.engine.model import Event, RunSummary
from validators.engine.runner import Runner

# Called in the runner's thread for each event. Returns False when the receiver holds enough
# for now: the runner (and with it the validators' pipes) then waits for `room()`.
Deliver = Callable[[Event], bool]
HAND_OVER_BUFFER = 8


class RunnerThread:
    def __init__(self, make_runner: Callable[[], Runner], deliver: Deliver) -> None:
        self._make_runner = make_runner
        self._deliver = deliver
        self._portal_cm: AbstractContextManager[BlockingPortal] | None = None
        self._portal: BlockingPortal | None = None
        self._main: concurrent.futures.Future[None] | None = None
        self._runner: Runner | None = None
        self._stop: anyio.Event | None = None
        self._room: anyio.Event | None = None
        self.final: RunSummary | None = None  # the run as it ended, once stopped
        self._quiet_until = 0.0  # time.monotonic() before which nothing is handed over

    # Lifetime (from the owner's thread)

    def begin(self, autostart: bool = True) -> None:
        """Start the thread and the runner in it; returns once the runner accepts calls."""
        self._portal_cm = start_blocking_portal()
        self._portal = self._portal_cm.__enter__()
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._main = self._portal.start_task_soon(self._serve, ready, autostart)
        try:
            ready.result()
        except BaseException:
            self.end()
            raise

    async def stop(self) -> None:
        """Cancel what runs, let every validator settle and the runner close; awaitable from
        any asyncio loop without blocking it."""
        if self._portal is None or self._main is None:
            return
        if not self._main.done():
            await asyncio.wrap_future(self._portal.start_task_soon(self._signal_stop))
            await asyncio.wrap_future(self._main)
        self.end()

    def end(self) -> None:
        """Stop (blocking) and join the thread: after `stop()`, a failure to begin, or from a
        caller with no loop of its own."""
        if self._portal_cm is None or self._portal is None:
            return
        if self._main is not None and not self._main.done():
            # Still serving: ask it to finish first, or closing the portal would wait for ever.
            with _quiet():
                self._portal.start_task_soon(self._signal_stop).result()
            concurrent.futures.wait([self._main])
        cm, self._portal_cm, self._portal = self._portal_cm, None, None
        cm.__exit__(None, None, None)

    # Control (from any thread)

    def start(self, names: Iterable[str] | None = None) -> None:
        chosen = None if names is None else list(names)
        self._soon(lambda runner: runner.start(chosen))

    def cancel(self, name: str) -> None:
        self._soon(lambda runner: runner.cancel(name))

    def cancel_all(self) -> None:
        self._soon(lambda runner: runner.cancel_all())

    def yield_to_caller(self, seconds: float) -> None:
        """Hand nothing over for a moment (the user pressed a key): the runner's thread goes
        idle within a few batches, as the validators' pipes fill, and the caller's thread has
        the interpreter to itself to answer. Output waits in the pipes; none is lost."""
        self._quiet_until = time.monotonic() + seconds

    def detach(self) -> None:
        """The receiver is going away: events from now on are dropped, and a runner waiting
        for room goes on."""
        self._deliver = _drop
        self.room()

    def room(self) -> None:
        """The receiver has taken what it was handed: delivery goes on."""
        if self._portal is not None:
            with _quiet():
                self._portal.start_task_soon(self._make_room)

    def summary(self) -> RunSummary:
        """The run as it stands; a short wait for the runner's loop."""
        assert self._portal is not None and self._runner is not None
        runner = self._runner
        return self._portal.call(runner.summary)

    def is_running(self, name: str) -> bool:
        runner = self._runner
        return runner is not None and runner.is_running(name)

    def log_path(self, name: str, attempt: int) -> Path:
        assert self._runner is not None
        return self._runner.log_path(name, attempt)

    # In the runner's thread

    async def _serve(self, ready: concurrent.futures.Future[None], autostart: bool) -> None:
        self._stop = anyio.Event()
        try:
            runner = self._make_runner()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        async with runner:
            self._runner = runner
            # A short queue: when the receiver asks for quiet, the validators' output stops
            # being read within a few batches.
            events = runner.subscribe(buffer=HAND_OVER_BUFFER)
            if autostart:
                runner.start()
            ready.set_result(None)
            async with anyio.create_task_group() as tg:
                tg.start_soon(self._hand_over, events)
                await self._stop.wait()
                runner.cancel_all()
                await runner.wait_idle()
                self.final = runner.summary()
                tg.cancel_scope.cancel()

    async def _hand_over(self, events: Any) -> None:
        async with events:
            async for event in events:
                wait = self._quiet_until - time.monotonic()
                if wait > 0:
                    await anyio.sleep(wait)
                if not self._deliver(event):
                    self._room = anyio.Event()
                    await self._room.wait()

    async def _make_room(self) -> None:
        if self._room is not None:
            self._room.set()

    async def _signal_stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _soon(self, action: Callable[[Runner], None]) -> None:
        if self._portal is None:
            return

        async def call() -> None:
            if self._runner is not None:
                action(self._runner)

        with _quiet():
            self._portal.start_task_soon(call)


def _drop(event: Event) -> bool:
    return True


class _quiet:
    """Calls into a portal that has just closed (the app is quitting) are dropped."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> bool:
        return exc_type is not None and issubclass(exc_type, RuntimeError)
