"""`checkdeck run`: the same run as the app, printed line by line for CI and pipes."""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TextIO

import anyio
from anyio.abc import TaskStatus
from anyio.streams.memory import MemoryObjectReceiveStream
from rich.console import Console
from rich.table import Table
from rich.text import Text

from validators.engine.durations import format_duration
from validators.engine.model import Config, Event, RunSummary, ServiceChanged, Severity, Status, StatusChanged
from validators.engine.registry import create
from validators.engine.runner import DEFAULT_TIMEOUT_S, Runner
from validators.engine.store import write_summary
from validators.engine.wording import plural
from validators.exports import export
from validators.process.terminal_text import printable
from validators.services.pool import ServicePool

from .exit_codes import EXIT_INTERRUPTED, EXIT_REPORTS, exit_status
from .writable import describe_os_error

SYMBOLS = {
    Status.PENDING: "·",
    Status.RUNNING: "▶",
    Status.PASSED: "✔",
    Status.FAILED: "✘",
    Status.ERROR: "!",
    Status.SKIPPED: "-",
    Status.CANCELLED: "■",
}
STYLES = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.ERROR: "bold red",
    Status.CANCELLED: "yellow",
    Status.RUNNING: "cyan",
}
MORE_LINES = 12
MAX_FINDINGS_SHOWN = 10


async def _print_events(events: MemoryObjectReceiveStream[Event], console: Console) -> None:
    async with events:
        async for event in events:
            if isinstance(event, ServiceChanged):
                stamp = event.at.astimezone().strftime("%H:%M:%S")
                console.print(
                    printable(f"{stamp} ⚙ service {event.name}: {event.status.value}  {event.summary}".rstrip()),
                    markup=False,
                    highlight=False,
                )
            elif isinstance(event, StatusChanged) and event.status is not Status.PENDING:
                stamp = event.at.astimezone().strftime("%H:%M:%S")
                attempt = f" (attempt {event.attempt})" if event.attempt > 1 else ""
                detail = ""
                if event.result is not None:
                    detail = f"  {format_duration(event.result.duration_s)}  {printable(event.summary)}"
                console.print(
                    f"{stamp} {SYMBOLS[event.status]} {printable(event.name)}{attempt}: {event.status.value}{detail}",
                    style=STYLES.get(event.status),
                    markup=False,
                    highlight=False,
                )


def print_summary(summary: RunSummary, console: Console) -> None:
    table = Table(title=f"checkdeck: {summary.status.value} in {format_duration(summary.duration_s)}")
    for column in ("", "validator", "kind", "status", "time", "summary"):
        table.add_column(column, overflow="fold")
    for r in summary.results:
        table.add_row(
            SYMBOLS[r.status],
            Text(printable(r.name)),
            Text(r.kind),
            r.status.value,
            format_duration(r.duration_s),
            Text(printable(r.summary)),
            style=STYLES.get(r.status),
        )
    console.print(table)
    for r in summary.results:
        name = printable(r.name)
        shown = [f for f in r.findings if f.severity is not Severity.INFO][:MAX_FINDINGS_SHOWN]
        for f in shown:
            where = f"{f.path}:{f.line}: " if f.path and f.line else (f"{f.path}: " if f.path else "")
            first_line = f.message.splitlines()[0] if f.message else ""
            console.print(
                printable(f"{name}: {where}{f.severity.value} [{f.rule}] {first_line}"), markup=False, highlight=False
            )
            more = f.message.splitlines()[1:]
            for line in more[:MORE_LINES]:  # an import chain, edge by edge
                console.print(printable(f"    {line}"), markup=False, highlight=False)
            if len(more) > MORE_LINES:
                console.print(f"    … {plural(len(more) - MORE_LINES, 'more line')} in the report", markup=False)
            if f.hint:
                hint = f.hint.replace("\n", "\n          ")  # a multi-line hint (output) stays indented
                console.print(printable(f"    hint: {hint}"), markup=False, highlight=False)
        hidden = len(r.findings) - len(shown)
        if hidden > 0 and shown:
            console.print(f"{name}: … {plural(hidden, 'more finding')} in the report", markup=False)
        if r.status.bad and r.log_path:
            console.print(printable(f"{name}: full log: {r.log_path}"), markup=False, highlight=False)


def run_headless(
    config: Config,
    *,
    only: Sequence[str] | None,
    exports: Sequence[Path],
    concurrency: int | None,
    out: TextIO | None = None,
) -> int:
    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=True)
    interrupted = False

    async def main() -> RunSummary:
        nonlocal interrupted
        signal_scope = anyio.CancelScope()
        async with anyio.create_task_group() as tg:
            async with Runner(
                config.validators,
                project_dir=config.project_dir,
                factory=create,
                concurrency=concurrency or config.concurrency,
                default_timeout_s=config.timeout_s or DEFAULT_TIMEOUT_S,
                services=ServicePool(config.services, config.project_dir),
            ) as runner:
                # The printer ends by itself when the runner closes its event stream.
                tg.start_soon(_print_events, runner.subscribe(), console)

                async def watch_signals(*, task_status: TaskStatus[None] = anyio.TASK_STATUS_IGNORED) -> None:
                    nonlocal interrupted
                    with (
                        signal_scope,
                        anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM, signal.SIGHUP) as signals,
                    ):
                        task_status.started()
                        async for signum in signals:
                            interrupted = True
                            console.print(f"{signal.Signals(signum).name}: stopping every validator…", markup=False)
                            runner.cancel_all()

                # Signals are ours before the first validator starts: one that arrives while a
                # process is being created still ends its whole tree.
                await tg.start(watch_signals)
                summary = await runner.run_all(only)
                signal_scope.cancel()
        return summary

    summary = anyio.run(main)
    unwritten = 0
    try:
        write_summary(summary)
    except OSError as exc:
        unwritten += 1
        print(
            printable(f"checkdeck: could not write {summary.run_dir}/summary.json: {describe_os_error(exc)}"),
            file=sys.stderr,
        )
    print_summary(summary, console)
    # Every report that can be written is written, whatever happened to the others.
    for path in exports:
        try:
            export(summary, path)
        except OSError as exc:
            unwritten += 1
            print(printable(f"checkdeck: could not write {path}: {describe_os_error(exc)}"), file=sys.stderr)
            continue
        console.print(printable(f"wrote {path}"), markup=False, highlight=False)
    if interrupted:
        return EXIT_INTERRUPTED
    if unwritten:
        return EXIT_REPORTS
    return exit_status(summary.status)


def started_line(config: Config, now: datetime) -> str:
    source = config.path if config.path else "detected (no config file)"
    return f"checkdeck {now:%H:%M:%S}: {plural(len(config.validators), 'validator')} from {source}"
