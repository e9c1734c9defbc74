"""Run a command in its own process group, stream its output line by line, never leave it behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import anyio
from anyio.abc import ByteReceiveStream, Process

from validators.process import child_watch
from validators.process.cgroup import Cgroup, wrap, wrap_shell
from validators.process.pty_stream import open_terminal
from validators.process.terminal_text import sanitize
from validators.process.tree import (
    TOKEN_VAR,
    Group,
    become_subreaper,
    members,
    reap_orphans,
    register,
    signal_group,
    spawning,
    start_time,
    unregister,
)
from validators.process.watchdog import LIFELINE

# A line longer than this is cut into pieces, so that output with no newline (a binary blob,
# a progress bar drawn with \r) cannot grow memory without bound.
MAX_LINE_BYTES = 64 * 1024
MAX_LINE_CHARS = 16 * 1024
READ_CHUNK = 256 * 1024
_NEEDS_SANITIZE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

LineSink = Callable[[str, datetime, list[str]], Awaitable[None]]


class RawLog(Protocol):
    """Where the raw bytes go: a binary file, or anything that writes like one."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


@dataclass(frozen=True)
class ProcessOutcome:
    exit_code: int
    leftovers_killed: int = 0


def describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _display_lines(complete: bytes) -> list[str]:
    """Display text for a run of complete lines (ending in a newline), in one pass per chunk
    rather than per line: a flood of output is millions of lines."""
    text = complete.decode("utf-8", errors="replace")
    lines = text.split("\n")
    lines.pop()  # after the final newline
    if "\r" in text:
        # A terminal shows only what was drawn last after a carriage return.
        lines = [line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines]
    if _NEEDS_SANITIZE.search(text):
        lines = [sanitize(line) for line in lines]
    if any(len(line) > MAX_LINE_CHARS for line in lines):
        lines = [line[i : i + MAX_LINE_CHARS] for line in lines for i in range(0, max(len(line), 1), MAX_LINE_CHARS)]
    return lines


class _Reads:
    """What the pumps are doing: output still being read or handed on is not a pipe held open."""

    count = 0  # chunks read and handed on
    waiting = 0  # pumps blocked on a read right now


async def _pump(stream: ByteReceiveStream, name: str, log: RawLog, sink: LineSink, reads: _Reads) -> None:
    pending = b""
    while True:
        reads.waiting += 1
        try:
            chunk = await stream.receive(READ_CHUNK)
        except (anyio.EndOfStream, anyio.ClosedResourceError, anyio.BrokenResourceError):
            break
        finally:
            reads.waiting -= 1
        reads.count += 1
        data = pending + chunk if pending else chunk
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) < MAX_LINE_BYTES:
                pending = data
                continue
            # No newline in sight: cut the line so memory stays bounded.
            log.write(data)
            pending = b""
            await sink(name, datetime.now(UTC), _display_lines(data + b"\n"))
            reads.count += 1
            continue
        complete, pending = data[: cut + 1], data[cut + 1 :]
        log.write(complete)
        await sink(name, datetime.now(UTC), _display_lines(complete))
        reads.count += 1  # handed on too: a consumer that is slow is still progress
    if pending:
        # The raw log stays byte-exact but for this newline, so later notes start a line.
        log.write(pending + b"\n")
        await sink(name, datetime.now(UTC), _display_lines(pending + b"\n"))


async def terminate_tree(group: Group, grace_s: float) -> int:
    """TERM the whole tree, wait up to grace_s, KILL the rest. Returns how many were signalled."""
    pids = members(group)
    signal_group(group, pids, signal.SIGTERM)
    if not pids:
        # Nothing was left running (the usual case): nothing to wait for or escalate, and the
        # cgroup is empty (members() read it).
        reap_orphans()
        return 0
    with anyio.move_on_after(grace_s):
        while members(group) & pids:
            await anyio.sleep(0.02)
    rest = members(group)
    if group.cgroup is not None:
        group.cgroup.kill()
    signal_group(group, rest, signal.SIGKILL)
    # KILL cannot be refused; wait briefly so callers can rely on the tree being gone.
    with anyio.move_on_after(2):
        while members(group) - {group.leader}:
            await anyio.sleep(0.01)
    reap_orphans()
    return len((pids | rest) - {group.leader})


async def run_process(
    command: str | Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None,
    log: RawLog,
    sink: LineSink,
    term_grace_s: float = 2.0,
    on_start: Callable[[int], None] | None = None,
    tty: bool = False,
) -> ProcessOutcome:
    """Run `command` (a shell line, or argv) to completion; cancelling this kills the tree.
    With `tty`, stdout and stderr are one pseudo-terminal, for tools that colour only a tty."""
    token = uuid.uuid4().hex
    become_subreaper()
    child_watch.install()
    cgroup = Cgroup.create(f"checkdeck-{os.getpid()}-{token[:12]}")
    child_env = dict(os.environ if env is None else env)
    child_env[TOKEN_VAR] = token
    # The watchdog hears of the command before it exists: checkdeck may be killed the moment
    # after the process starts, before it knows its PID.
    LIFELINE.add(token, 0, 0.0, str(cgroup.path) if cgroup else None)
    terminal = open_terminal() if tty else None
    try:
        # Shielded: a cancel that lands while the process is being created would otherwise
        # leave it running with nobody to end it.
        with anyio.CancelScope(shield=True), spawning():
            process: Process = await anyio.open_process(
                wrap_shell(command, cgroup) if isinstance(command, str) else wrap(list(command), cgroup),
                stdin=subprocess.DEVNULL,
                stdout=terminal.child if terminal else subprocess.PIPE,
                stderr=terminal.child if terminal else subprocess.PIPE,
                cwd=str(cwd),
                env=child_env,
                start_new_session=True,
            )
    except BaseException:
        if terminal is not None:
            terminal.close()
        LIFELINE.remove(token)
        if cgroup is not None:
            cgroup.remove()
        raise
    # Anything the command starts is younger than its leader; psutil's clock for start times is
    # not time.time() (it counts from boot), so the leader's own start time is the reference.
    since = start_time(process.pid)
    # The machine was checked to let commands join our cgroups: the cgroup alone is the truth.
    group = Group(process.pid, token, since, cgroup, in_cgroup=cgroup is not None)
    register(group)
    LIFELINE.add(token, group.leader, since, str(cgroup.path) if cgroup else None)
    if on_start is not None:
        on_start(group.leader)
    if terminal is not None:
        terminal.child_started()
    leftovers = 0
    tree_ended = False
    pumps_left = 2
    pumps_done = anyio.Event()
    reads = _Reads()

    async def pump(stream: ByteReceiveStream | None, name: str) -> None:
        nonlocal pumps_left
        try:
            if stream is not None:
                await _pump(stream, name, log, sink, reads)
        finally:
            pumps_left -= 1
            if pumps_left == 0:
                pumps_done.set()

    try:
        async with anyio.create_task_group() as pumps:
            if terminal is not None:
                pumps.start_soon(pump, terminal.stream(), "stdout")
                pumps.start_soon(pump, None, "stderr")
            else:
                pumps.start_soon(pump, process.stdout, "stdout")
                pumps.start_soon(pump, process.stderr, "stderr")
            await process.wait()
            # The command is done; anything it left running (a backgrounded server, a
            # daemon) would outlive the run and may hold our pipes open.
            with anyio.CancelScope(shield=True):
                leftovers = await terminate_tree(group, term_grace_s)
                tree_ended = True
            # Then read to the end of what it wrote. Only a pipe that something outside the
            # tree still holds open (every pump waiting on a read, nothing for a second) is
            # given up on; output still being read or handed on (a slow consumer, a busy
            # machine) is never cut short.
            while not pumps_done.is_set():
                before = reads.count
                with anyio.move_on_after(1.0):
                    await pumps_done.wait()
                if reads.count == before and reads.waiting >= pumps_left:
                    break
            pumps.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            if not tree_ended:
                await terminate_tree(group, term_grace_s)
            if process.returncode is None:
                await process.wait()
            await process.aclose()
            if terminal is not None:
                terminal.close()
            unregister(group)
            LIFELINE.remove(token)
            if cgroup is not None:
                cgroup.release()
    assert process.returncode is not None
    return ProcessOutcome(process.returncode, leftovers)
