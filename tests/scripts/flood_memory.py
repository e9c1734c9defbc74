"""Run one validator that prints SIZE_MB of output and report this process's memory growth.

Run as a separate process so that the peak RSS belongs to this run alone."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

import anyio

from validators.engine.model import LogBatch, ValidatorSpec
from validators.engine.registry import create
from validators.engine.runner import Runner

size_mb = int(sys.argv[1])
GENERATE = (
    "python3 -c \"import sys; chunk=(b'y'*99+b'\\n')*10486; w=sys.stdout.buffer.write\n"
    f'for _ in range({size_mb} * 1048576 // len(chunk) + 1): w(chunk)"'
)


async def main(project: Path, spec: ValidatorSpec) -> dict[str, int]:
    lines = 0
    async with anyio.create_task_group() as tg:
        async with Runner([spec], project_dir=project, factory=create) as runner:
            events = runner.subscribe()

            async def drain() -> None:
                nonlocal lines
                async with events:
                    async for event in events:
                        if isinstance(event, LogBatch):
                            lines += event.line_count

            tg.start_soon(drain)
            summary = await runner.run_all()
    [result] = summary.results
    assert result.log_path is not None
    return {"lines": lines, "log_bytes": result.log_path.stat().st_size, "status": result.status == "passed"}


with tempfile.TemporaryDirectory() as tmp:
    project = Path(tmp)
    anyio.run(
        main, project, ValidatorSpec("warmup", "command", {"run": GENERATE.replace(f"range({size_mb} ", "range(1 ")})
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stats = anyio.run(main, project, ValidatorSpec("flood", "command", {"run": GENERATE}))
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({**stats, "growth_kb": after - before, "before_kb": before}))
