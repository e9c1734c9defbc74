"""The app while a validator prints 1,000,000 lines as fast as it can: lines per second
ingested, and the worst delay between a key press and its visible effect during the flood;
next to the same validator run by `checkdeck run` with output to /dev/null (the ratio)."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from textual import events

from tui.app import CheckdeckApp
from tui.widgets.log_view import LogView
from validators.config.load import load_config

ROOT = Path(__file__).resolve().parent.parent


def make_project(folder: Path, lines: int) -> Path:
    flood = f"python3 -c 'import sys\\nw = sys.stdout.write\\nfor i in range({lines}): w(f\"line {{i}} of the flood\\\\n\")'"
    (folder / "checkdeck.toml").write_text(
        f'[[validators]]\nname = "flood"\nkind = "command"\nrun = """{flood}"""\n'
        '[[validators]]\nname = "quiet"\nkind = "command"\nrun = "true"\n'
    )
    return folder


def headless(folder: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tui", "run", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        check=False,
    )
    return time.perf_counter() - start


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def in_app(folder: Path, lines: int) -> tuple[float, list[float], int, int]:
    app = CheckdeckApp(load_config(folder / "checkdeck.toml"))
    delays: list[float] = []
    async with app.run_test(size=(140, 40)):
        start = time.perf_counter()
        state = app.states["flood"]
        view = app.query_one(LogView)
        keys = ["t", "j", "k", "w", "t", "w"]
        k = 0
        while not state.status.finished:
            await asyncio.sleep(0.2)
            if state.log.total < 1000:
                continue
            key = keys[k % len(keys)]
            k += 1
            before = (view.timestamps, app.selected, view.wrap)
            t0 = time.perf_counter()
            # The key goes in as a terminal would send it (Pilot.press waits for an idle app,
            # which a flood never leaves).
            app.post_message(events.Key(key, key))
            while (view.timestamps, app.selected, view.wrap) == before:
                await asyncio.sleep(0.001)
            # Visible: the screen has been repainted since the change.
            painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            app.call_after_refresh(_resolve, painted)
            await painted
            delays.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
        window = len(state.log.lines)
        total = state.log.total
    return elapsed, delays, total, window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = make_project(Path(tmp), args.lines)
        t_headless = headless(folder)
        t_app, delays, total, window = asyncio.run(in_app(folder, args.lines))
    print(f"{args.lines} lines printed as fast as possible:")
    print(f"  checkdeck run > /dev/null : {t_headless:6.2f} s  ({args.lines / t_headless:,.0f} lines/s)")
    print(f"  the app (run_test)        : {t_app:6.2f} s  ({total / t_app:,.0f} lines/s ingested)")
    print(f"  ratio app / headless      : {t_app / t_headless:.2f}x")
    if delays:
        print(
            f"  key press to visible effect during the flood: worst {max(delays) * 1000:.0f} ms, "
            f"median {statistics.median(delays) * 1000:.0f} ms over {len(delays)} presses"
        )
    print(f"  log window held in memory : {window} lines (of {total})")


if __name__ == "__main__":
    main()
