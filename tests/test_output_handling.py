"""Output of any kind (invalid UTF-8, escape codes, floods, endless lines) never breaks a run."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import anyio
import pytest

from tests.helpers import command, run_specs
from validators.engine.model import LogBatch, Status
from validators.process.terminal_text import sanitize, strip_ansi

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parent.parent


def _lines(events: list[object], stream: str | None = None) -> list[str]:
    return [
        text for e in events if isinstance(e, LogBatch) for _, s, text in e.lines() if stream is None or s == stream
    ]


async def test_invalid_utf8_is_replaced_and_the_raw_bytes_are_kept_on_disk(tmp_path: Path) -> None:
    spec = command("binary", r"printf 'ok \377\376 end\n'; printf 'err \300\n' >&2; head -c 3000 /dev/urandom")
    summary, events = await run_specs(tmp_path, [spec])
    [result] = summary.results
    assert result.status is Status.PASSED
    assert "ok \ufffd\ufffd end" in _lines(events, "stdout")
    assert "err \ufffd" in _lines(events, "stderr")
    assert result.log_path is not None
    raw = result.log_path.read_bytes()
    assert b"ok \xff\xfe end\n" in raw and b"err \xc0\n" in raw


async def test_colour_is_kept_but_cursor_and_title_sequences_are_dropped(tmp_path: Path) -> None:
    script = r"printf '\033[31mred\033[0m \033[2J\033[Hcleared \033]0;title\007done\n'; printf 'a\rb\rprogress 100%%\n'"
    summary, events = await run_specs(tmp_path, [command("ansi", script)])
    lines = _lines(events, "stdout")
    assert "\x1b[31mred\x1b[0m cleared done" in lines
    assert "progress 100%" in lines
    assert summary.results[0].log_path is not None
    assert b"\x1b[2J" in summary.results[0].log_path.read_bytes()


def test_sanitize_and_strip() -> None:
    assert sanitize("\x1b[1;32mok\x1b[0m\x1b[K\x07\x1b(B") == "\x1b[1;32mok\x1b[0m"
    assert strip_ansi("\x1b[1;32mok\x1b[0m\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "oklink"
    assert sanitize("tab\tstays") == "tab\tstays"


async def test_a_line_with_no_newline_is_cut_not_buffered(tmp_path: Path) -> None:
    spec = command("endless", "head -c 5000000 /dev/zero | tr '\\0' '\\132'")
    summary, events = await run_specs(tmp_path, [spec])
    lines = _lines(events, "stdout")
    assert sum(line.count("Z") for line in lines) == 5_000_000
    assert max(len(line) for line in lines) <= 64 * 1024
    assert summary.results[0].log_path is not None
    assert summary.results[0].log_path.read_bytes().count(b"Z") == 5_000_000


def test_200mb_of_output_keeps_memory_bounded_and_the_whole_log_on_disk() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "scripts" / "flood_memory.py"), "200"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=240,
    )
    stats = json.loads(out.stdout.strip().splitlines()[-1])
    assert stats["status"]
    assert stats["lines"] >= 2_000_000
    assert stats["log_bytes"] >= 200 * 1024 * 1024
    # The process may not grow by more than a few tens of MB while 200 MB pass through it.
    assert stats["growth_kb"] < 40 * 1024, stats


async def test_every_line_of_short_commands_reaches_the_subscribers(tmp_path: Path) -> None:
    # A batch being published when the command ends must not be lost (it once was).
    specs = [command(f"quick{i}", f"echo one-{i}; echo two-{i}; echo three-{i}") for i in range(12)]
    summary, events = await run_specs(tmp_path, specs, concurrency=4)
    assert all(r.status is Status.PASSED for r in summary.results)
    lines = set(_lines(events, "stdout"))
    for i in range(12):
        assert {f"one-{i}", f"two-{i}", f"three-{i}"} <= lines


async def test_output_after_exit_is_read_to_the_end_however_slow_the_consumer(tmp_path: Path) -> None:
    # The command is gone long before its output is taken in: a consumer slower than a second
    # per chunk (a busy machine, a flood of findings) must still get every line.
    from validators.process.run import run_process

    seen: list[str] = []

    async def slow_sink(stream: str, at: datetime, lines: list[str]) -> None:
        await anyio.sleep(0.4)
        seen.extend(lines)

    log = tmp_path / "out.log"
    with open(log, "wb") as raw:
        outcome = await run_process("seq 1 200000; exit 0", cwd=tmp_path, env=None, log=raw, sink=slow_sink)
    assert outcome.exit_code == 0
    assert len(seen) == 200000 and seen[-1] == "200000"
    assert log.read_bytes().count(b"\n") == 200000
