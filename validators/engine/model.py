"""Plain data passed between the engine, the exporters and the UI: results, findings, events."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


class Status(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self not in (Status.PENDING, Status.RUNNING)

    @property
    def bad(self) -> bool:
        return self in (Status.FAILED, Status.ERROR)


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    severity: Severity
    rule: str
    message: str
    path: str | None = None
    line: int | None = None
    hint: str | None = None
    column: int | None = None
    # What identifies the finding across edits that shift lines (a rule, a file, a function's
    # name): baselines and SARIF fingerprints match on it.
    key: str | None = None
    # Other places the finding is about: each edge of an import chain, each site of a duplicate.
    related: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Check:
    """One test or check inside a validator (a pytest test, one rule): a JUnit testcase."""

    name: str
    status: Status
    duration_s: float = 0.0
    message: str | None = None
    path: str | None = None
    line: int | None = None
    classname: str | None = None


@dataclass(frozen=True)
class ValidatorSpec:
    """One validator as configured (or detected): what to run, not how it went."""

    name: str
    kind: str
    options: Mapping[str, object] = field(default_factory=dict)
    timeout_s: float | None = None
    source: str = "config"  # "config" with file:line, or "detected: <why>"
    watch: tuple[str, ...] = ()  # gitignore-style globs that trigger a rerun in watch mode
    redact: tuple[str, ...] = ()  # env keys whose values are secret besides those named like secrets
    needs: tuple[str, ...] = ()  # services that must be up (ready) while it runs


@dataclass(frozen=True)
class ServiceSpec:
    """A process some validators need running (a server, a database): started once per run,
    ready by a probe, stopped with its whole tree when nothing needs it."""

    name: str
    run: str | tuple[str, ...]
    ready: str  # "tcp://host:port", "http://…" (2xx), or "log:REGEX" (a line of its output)
    ready_timeout_s: float = 30.0
    cwd: str | None = None  # relative to the project
    env: Mapping[str, str] = field(default_factory=dict)
    source: str = "config"
    redact: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    """What to run in a project: read from a config file or detected."""

    project_dir: Path
    path: Path | None  # None when the validators were detected
    validators: tuple[ValidatorSpec, ...]
    concurrency: int | None = None
    timeout_s: float | None = None
    services: tuple[ServiceSpec, ...] = ()


@dataclass(frozen=True)
class ValidatorResult:
    name: str
    kind: str
    status: Status
    duration_s: float
    summary: str
    findings: tuple[Finding, ...] = ()
    checks: tuple[Check, ...] = ()
    exit_code: int | None = None
    log_path: Path | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempt: int = 1
    target: str = ""  # what it checks: the command line, the Dockerfile, the URL
    details: tuple[tuple[str, str], ...] = ()  # (label, text): what was checked and tried, for Info


@dataclass(frozen=True)
class RunSummary:
    status: Status
    started_at: datetime
    duration_s: float
    project_dir: Path
    run_dir: Path
    results: tuple[ValidatorResult, ...]

    def count(self, status: Status) -> int:
        return sum(1 for r in self.results if r.status is status)


# Events: what a run emits, in order, to every subscriber.


@dataclass(frozen=True)
class StatusChanged:
    name: str
    attempt: int
    status: Status
    at: datetime
    summary: str = ""
    result: ValidatorResult | None = None  # set once the status is final


@dataclass(frozen=True)
class LogChunk:
    """Lines read from one stream at one moment; each keeps SGR colour codes but no other
    control sequence. One object per read, not per line, keeps a flood of output cheap."""

    at: datetime
    stream: str  # "stdout", "stderr" or "checkdeck" for the engine's own notes
    lines: tuple[str, ...]


@dataclass(frozen=True)
class LogBatch:
    """Output arrives in batches (every ~50 ms or ~500 lines), never one event per line."""

    name: str
    attempt: int
    chunks: tuple[LogChunk, ...]

    @property
    def line_count(self) -> int:
        return sum(len(c.lines) for c in self.chunks)

    def lines(self) -> Iterator[tuple[datetime, str, str]]:
        for chunk in self.chunks:
            for line in chunk.lines:
                yield chunk.at, chunk.stream, line


@dataclass(frozen=True)
class FindingReported:
    name: str
    attempt: int
    finding: Finding


@dataclass(frozen=True)
class Progress:
    name: str
    attempt: int
    done: int
    total: int | None
    label: str = ""
    text: str = ""  # what a pane shows instead of "done/total label" ("step 4/9 · 2 cached · RUN …")


class ServiceStatus(enum.StrEnum):
    STARTING = "starting"
    READY = "ready"
    NOT_READY = "not ready"  # the probe never passed in time; the service was stopped
    CRASHED = "crashed"  # it ended by itself
    STOPPED = "stopped"  # checkdeck stopped it: nothing needed it any more


@dataclass(frozen=True)
class ServiceChanged:
    """A service's state; its output comes as LogBatch events under the service's name."""

    name: str
    attempt: int
    status: ServiceStatus
    at: datetime
    summary: str = ""
    log_path: Path | None = None


@dataclass(frozen=True)
class RunFinished:
    summary: RunSummary


Event = StatusChanged | LogBatch | FindingReported | Progress | ServiceChanged | RunFinished
