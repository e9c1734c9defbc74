"""One service process: started, probed until ready, its output a pane of its own, stopped
with its whole tree."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import anyio
from anyio.abc import TaskGroup

from validators.config.probe import Probe, parse_probe
from validators.engine.durations import format_duration
from validators.engine.log_file import LogFile
from validators.engine.model import ServiceChanged, ServiceSpec, ServiceStatus
from validators.engine.needs import Publish
from validators.engine.redact import ordered, redact, secrets_of
from validators.engine.run_context import RunContext
from validators.process.run import describe_exit
from validators.services.probe import LogWatch, Readiness, wait_ready

TAIL_LINES = 20


def service_secrets(spec: ServiceSpec) -> tuple[str, ...]:
    return ordered(secrets_of([spec.env], spec.redact))


class RunningService:
    """Use `start(tg)`, then `settled` (ready or not), then `stop()`."""

    def __init__(
        self,
        spec: ServiceSpec,
        project_dir: Path,
        *,
        attempt: int,
        log_path: Path,
        publish: Publish,
        term_grace_s: float,
    ) -> None:
        self.spec = spec
        self.project_dir = project_dir
        self.attempt = attempt
        self.log_path = log_path
        self.probe: Probe = parse_probe(spec.ready)
        self.status = ServiceStatus.STARTING
        self.readiness: Readiness | None = None
        self.exit_code: int | None = None
        self.stopping = False  # checkdeck ends it: its end is no crash
        self.settled = anyio.Event()  # ready, or known never to be
        self.ended = anyio.Event()
        self.on_crash: list[Callable[[RunningService], None]] = []
        self.tail: deque[str] = deque(maxlen=TAIL_LINES)
        self.secrets = service_secrets(spec)
        self._publish = publish
        self._term_grace_s = term_grace_s
        self._watch = LogWatch(self.probe.pattern)
        self._scope = anyio.CancelScope()
        self._started_at = 0.0

    def start(self, tg: TaskGroup) -> None:
        tg.start_soon(self._main)

    async def stop(self) -> None:
        """End the process tree (TERM, then KILL after the grace) and wait until it is gone."""
        if self.ended.is_set():
            return
        self.stopping = True
        self._scope.cancel()
        await self.ended.wait()

    def ended_how(self) -> str:
        if self.exit_code is None:
            return "the service ended"
        return f"the service ended ({describe_exit(self.exit_code)})"

    def failure(self) -> str:
        """Why it is not usable: the probe's last error or the crash, then its last lines."""
        if self.status is ServiceStatus.CRASHED and self.readiness is not None and self.readiness.ready:
            head = f"service {self.spec.name} crashed: {self.ended_how()}"
        elif self.readiness is not None:
            r = self.readiness
            head = (
                f"service {self.spec.name} never got ready: {self.probe.describe()} failed after "
                f"{format_duration(r.waited_s)} ({r.attempts} attempts): {r.last_error}"
            )
        else:
            head = f"service {self.spec.name} could not start: {self.ended_how()}"
        lines = list(self.tail)
        tail = "\n".join(f"  | {line}" for line in lines) if lines else "  (no output)"
        return f"{head}\nlast {len(lines)} lines of its log:\n{tail}"

    async def _set(self, status: ServiceStatus, summary: str) -> None:
        self.status = status
        await self._publish(
            ServiceChanged(self.spec.name, self.attempt, status, datetime.now(UTC), summary, self.log_path)
        )

    async def _observe(self, stream: str, lines: list[str]) -> None:
        self.tail.extend(lines)
        self._watch.feed(lines)

    def _gone(self) -> str | None:
        return self.ended_how() if self.ended.is_set() else None

    async def _main(self) -> None:
        spec = self.spec
        cwd = (self.project_dir / spec.cwd) if spec.cwd else self.project_dir
        env = {**os.environ, **spec.env}
        done = anyio.Event()
        with LogFile(self.log_path) as log_file:
            ctx = RunContext(
                name=spec.name,
                attempt=self.attempt,
                project_dir=self.project_dir,
                log_path=self.log_path,
                log_file=log_file,
                publish=self._publish,
                term_grace_s=self._term_grace_s,
                secrets=self.secrets,
            )
            async with anyio.create_task_group() as output:
                # Stopped by an event, not cancelled: a cancel while publishing loses a batch.
                output.start_soon(ctx.flush_periodically, done)
                try:
                    await self._process(ctx, cwd, env)
                finally:
                    with anyio.CancelScope(shield=True):
                        await self._finish(ctx)
                        done.set()
            with anyio.CancelScope(shield=True):
                await ctx.flush()
                self.settled.set()

    async def _process(self, ctx: RunContext, cwd: Path, env: dict[str, str]) -> None:
        spec = self.spec
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._probe, ctx)
            command = spec.run if isinstance(spec.run, str) else " ".join(spec.run)
            await self._set(ServiceStatus.STARTING, f"waiting for {self.probe.describe()}")
            await ctx.log(f"[checkdeck] service {spec.name}: {redact(command, self.secrets)} (in {cwd})")
            try:
                with self._scope:
                    outcome = await ctx.run_process(spec.run, cwd=cwd, env=env, observe=self._observe)
                    self.exit_code = outcome.exit_code
            except OSError as exc:
                await ctx.log(f"[checkdeck] cannot start: {exc.strerror or exc}")
            finally:
                self.ended.set()
                if self.stopping:
                    tg.cancel_scope.cancel()
                # Otherwise the probe sees the end within an attempt and says so.

    async def _finish(self, ctx: RunContext) -> None:
        if self.status is ServiceStatus.NOT_READY:
            await ctx.log("[checkdeck] stopped: it never got ready")
            return
        if self.stopping:
            await ctx.log("[checkdeck] stopped: nothing needs it any more")
            await self._set(ServiceStatus.STOPPED, "stopped by checkdeck")
            return
        if self.readiness is None:
            # Ended before the probe could say: it never got ready.
            self.readiness = Readiness(False, 0.0, 0, self.ended_how())
        await ctx.log(f"[checkdeck] {self.ended_how()}")
        await self._set(ServiceStatus.CRASHED, self.ended_how())
        for listener in self.on_crash:
            listener(self)

    async def _probe(self, ctx: RunContext) -> None:
        readiness = await wait_ready(self.probe, self.spec.ready_timeout_s, log=self._watch, gone=self._gone)
        self.readiness = readiness
        if readiness.ready:
            text = f"ready in {format_duration(readiness.waited_s)} ({self.probe.describe()})"
            await ctx.log(f"[checkdeck] {text}")
            await self._set(ServiceStatus.READY, text)
            self.settled.set()
            return
        if self.ended.is_set():
            return  # _finish tells
        await ctx.log(f"[checkdeck] never got ready: {readiness.last_error}")
        await self._set(ServiceStatus.NOT_READY, readiness.last_error)
        self.settled.set()
        self.stopping = True
        self._scope.cancel()
