"""The handle a running validator reports through: log lines, findings, checks and progress."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import anyio

from validators.engine.model import (
    Check,
    Event,
    Finding,
    FindingReported,
    LogBatch,
    LogChunk,
    Progress,
    ValidatorSpec,
)
from validators.engine.redact import redact, redact_bytes
from validators.process.run import ProcessOutcome, RawLog, run_process
from validators.process.terminal_text import sanitize

BATCH_LINES = 500
BATCH_SECONDS = 0.05

Publish = Callable[[Event], Awaitable[None]]
Observer = Callable[[str, list[str]], Awaitable[None]]


class RunContext:
    def __init__(
        self,
        *,
        name: str,
        attempt: int,
        project_dir: Path,
        log_path: Path,
        log_file: RawLog,
        publish: Publish,
        term_grace_s: float,
        secrets: tuple[str, ...] = (),
        peers: tuple[ValidatorSpec, ...] = (),
    ) -> None:
        self.name = name
        # The run's other validators, as configured: a validator may name the one that checks
        # the same thing another way (the build-context check and the image build).
        self.peers = peers
        self.attempt = attempt
        self.project_dir = project_dir
        self.log_path = log_path
        self.secrets = secrets
        self._log: RawLog = _RedactingLog(log_file, secrets) if secrets else log_file
        self._publish = publish
        self._term_grace_s = term_grace_s
        self._pending: list[LogChunk] = []
        self._pending_lines = 0
        self._findings: list[Finding] = []
        self._checks: list[Check] = []
        self._lock = anyio.Lock()

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(self._findings)

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(self._checks)

    async def log(self, text: str) -> None:
        """The engine's or validator's own note, written to the log like process output."""
        lines = redact(text, self.secrets).splitlines() or [""]
        self._log.write(("".join(f"{line}\n" for line in lines)).encode("utf-8", "replace"))
        await self._add_lines("checkdeck", datetime.now(UTC), [sanitize(x) for x in lines])

    async def output(self, stream: str, lines: Sequence[str]) -> None:
        """Output that did not come from a process of ours (a build's RUN steps, a container's
        log): to the log file as it is, on screen with colour kept and nothing else."""
        if not lines:
            return
        self._log.write("".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape"))
        await self._add_lines(stream, datetime.now(UTC), [sanitize(line) for line in lines])

    async def report(self, finding: Finding) -> None:
        if self.secrets:
            finding = dataclasses.replace(
                finding,
                message=redact(finding.message, self.secrets),
                hint=redact(finding.hint, self.secrets) if finding.hint else None,
            )
        self._findings.append(finding)
        await self.flush()
        await self._publish(FindingReported(self.name, self.attempt, finding))

    def add_check(self, check: Check) -> None:
        self._checks.append(check)

    async def progress(self, done: int, total: int | None, label: str = "", text: str = "") -> None:
        await self.flush()
        await self._publish(Progress(self.name, self.attempt, done, total, label, redact(text, self.secrets)))

    async def run_process(
        self,
        command: str | Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        observe: Observer | None = None,
        tty: bool = False,
    ) -> ProcessOutcome:
        """Run a command, its output going to the log; `observe` sees each batch of display
        lines (redacted, colour kept) as they arrive."""
        sink = self._add_lines
        if observe is not None:

            async def sink(stream: str, at: datetime, texts: list[str]) -> None:
                texts = self._redacted(texts)
                await self._queue_lines(stream, at, texts)
                await observe(stream, texts)

        outcome = await run_process(
            command,
            cwd=cwd or self.project_dir,
            env=env,
            log=self._log,
            sink=sink,
            term_grace_s=self._term_grace_s,
            tty=tty,
        )
        if outcome.leftovers_killed:
            await self.log(
                f"[checkdeck] the command left {outcome.leftovers_killed} process(es) running; they were ended"
            )
        return outcome

    def _redacted(self, texts: list[str]) -> list[str]:
        return [redact(t, self.secrets) for t in texts] if self.secrets else texts

    async def _add_lines(self, stream: str, at: datetime, texts: list[str]) -> None:
        await self._queue_lines(stream, at, self._redacted(texts))

    async def _queue_lines(self, stream: str, at: datetime, texts: list[str]) -> None:
        """Lines already redacted, out in the next batch."""
        if not texts:
            return
        self._pending.append(LogChunk(at, stream, tuple(texts)))
        self._pending_lines += len(texts)
        if self._pending_lines >= BATCH_LINES:
            await self.flush()

    async def flush(self) -> None:
        async with self._lock:
            if self._pending:
                batch, self._pending, self._pending_lines = tuple(self._pending), [], 0
                await self._publish(LogBatch(self.name, self.attempt, batch))

    async def flush_periodically(self, done: anyio.Event) -> None:
        """Publish what has accumulated every BATCH_SECONDS, until `done` is set."""
        while not done.is_set():
            with anyio.move_on_after(BATCH_SECONDS):
                await done.wait()
            if self._pending:
                await self.flush()
                self._log.flush()


class _RedactingLog:
    """The raw log, less the validator's secrets."""

    def __init__(self, target: RawLog, secrets: tuple[str, ...]) -> None:
        self._target = target
        self._secrets = tuple(s.encode("utf-8", "surrogateescape") for s in secrets)

    def write(self, data: bytes) -> int:
        self._target.write(redact_bytes(data, self._secrets))
        return len(data)

    def flush(self) -> None:
        self._target.flush()
