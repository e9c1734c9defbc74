"""Snapshots of the layouts that matter. Regenerate on purpose with
`pytest tests/tui/test_tui_snapshots.py --snapshot-update` and review the SVGs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.support import command, make_app, project, wait_until
from tui.app import CheckdeckApp
from validators.engine.model import Status

SIZE = (120, 40)
# The layouts that matter at the size of a default terminal and at a roomy one.
SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
SUITE = "def test_ok():\n    pass\n\ndef test_total():\n    assert sum([1, 2]) == 4, 'the total is off'\n"


def frozen() -> float:
    return 100.0  # every elapsed time shows as 0ms: snapshots must not depend on speed


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CheckdeckApp:
    monkeypatch.chdir(tmp_path)
    root = project(
        tmp_path / "demo",
        command(
            "unit tests", "python3 -m pytest -q -p no:cacheprovider", 'env = { PYTEST_DISABLE_PLUGIN_AUTOLOAD = "1" }'
        )
        + command("lint", "echo all clean")
        + command("slow", "echo started; sleep 60"),
        {"test_calc.py": SUITE},
    )
    return make_app(root, clock=frozen)


def settled(app: CheckdeckApp) -> bool:
    s = app.states
    return (
        s["unit tests"].status.finished
        and s["lint"].status.finished
        and s["slow"].status is Status.RUNNING
        and (s["slow"].log.total >= 2)
    )


async def _wait(pilot: Pilot[Any], app: CheckdeckApp) -> None:
    """Settle, with "lint" selected: pytest prints its own timings, which would vary."""
    await wait_until(pilot, lambda: settled(app))
    await pilot.press("j")
    await pilot.pause(0.3)


@SIZES
def test_run_in_progress(snap_compare: Any, demo: CheckdeckApp, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await _wait(pilot, demo)
        await pilot.press("j")
        await pilot.pause(0.2)

    assert snap_compare(demo, terminal_size=size, run_before=before)


@SIZES
def test_finished_run_with_failures(snap_compare: Any, demo: CheckdeckApp, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await _wait(pilot, demo)
        await pilot.press("j", "c")
        await wait_until(pilot, lambda: demo.states["slow"].status is Status.CANCELLED)
        await pilot.press("k")
        demo.clear_notifications()  # "cancelling slow" stays for seconds: not part of the layout
        await pilot.pause(0.3)

    assert snap_compare(demo, terminal_size=size, run_before=before)


@SIZES
def test_findings_tab(snap_compare: Any, demo: CheckdeckApp, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await _wait(pilot, demo)
        await pilot.press("k", "enter")
        await pilot.pause(0.3)

    assert snap_compare(demo, terminal_size=size, run_before=before)


@SIZES
def test_help_screen(snap_compare: Any, demo: CheckdeckApp, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await _wait(pilot, demo)
        await pilot.press("question_mark")
        await pilot.pause(0.3)

    assert snap_compare(demo, terminal_size=size, run_before=before)


def test_export_dialog(snap_compare: Any, demo: CheckdeckApp) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await _wait(pilot, demo)
        await pilot.press("e")
        await pilot.pause(0.3)

    assert snap_compare(demo, terminal_size=SIZE, run_before=before)


def test_empty_state(snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(project(tmp_path / "empty", "concurrency = 1\n"), clock=frozen)
    assert snap_compare(app, terminal_size=SIZE)


@SIZES
def test_quit_dialog_shows_its_keys(snap_compare: Any, demo: CheckdeckApp, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot[Any]) -> None:
        await _wait(pilot, demo)
        await pilot.press("q")
        await pilot.pause(0.3)

    assert snap_compare(demo, terminal_size=size, run_before=before)
