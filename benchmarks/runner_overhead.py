"""Start-to-finish cost of running 50 trivial validators through checkdeck's runner, as a ratio to
running the same 50 commands with a bare asyncio.create_subprocess_exec loop (same concurrency,
same shell, output read to the end). Both run in this process, alternating, best of N."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import anyio

from validators.engine.model import ValidatorSpec
from validators.engine.registry import create
from validators.engine.runner import Runner

COMMAND = "echo checkdeck"


async def bare(n: int, concurrency: int) -> None:
    limit = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with limit:
            proc = await asyncio.create_subprocess_exec(
                "/bin/sh", "-c", COMMAND, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
            )
            await proc.communicate()

    await asyncio.gather(*(one() for _ in range(n)))


async def checkdeck(n: int, concurrency: int, project: Path) -> None:
    specs = [ValidatorSpec(f"v{i}", "command", {"run": COMMAND}) for i in range(n)]
    async with Runner(specs, project_dir=project, factory=create, concurrency=concurrency) as runner:
        summary = await runner.run_all()
    bad = [(r.name, r.status.value, r.summary) for r in summary.results if r.status != "passed"]
    assert not bad, bad


def timed(fn: object, *args: object) -> float:
    start = time.perf_counter()
    anyio.run(fn, *args)  # type: ignore[arg-type]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=50, help="validators per run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    # The project lives where projects do, on the repository's disk, not in /tmp (a tmpfs on
    # some machines, a slow folder on others): each validator creates its log file there.
    scratch = Path(__file__).resolve().parent.parent / ".checkdeck"
    scratch.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        project = Path(tmp)
        timed(bare, 5, args.concurrency)
        timed(checkdeck, 5, args.concurrency, project)
        base, ours = [], []
        for _ in range(args.repeat):
            base.append(timed(bare, args.n, args.concurrency))
            ours.append(timed(checkdeck, args.n, args.concurrency, project))
    b, o = min(base), min(ours)
    print(f"{args.n} trivial commands, concurrency {args.concurrency}, best of {args.repeat}:")
    print(f"  bare asyncio loop : {b * 1000:8.1f} ms  (median {statistics.median(base) * 1000:.1f} ms)")
    print(f"  checkdeck runner  : {o * 1000:8.1f} ms  (median {statistics.median(ours) * 1000:.1f} ms)")
    print(f"  ratio checkdeck / bare: {o / b:.2f}x  ({(o - b) / args.n * 1000:.2f} ms per validator)")


if __name__ == "__main__":
    main()
