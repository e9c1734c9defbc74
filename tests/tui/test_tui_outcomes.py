"""What the app says about a run is what happened: cancelled is never passed, and each attempt
has one duration, the same in the pane, the reports and the history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import tui.app
from tests.tui.support import command, finished, make_app, project, screen_text, wait_until
from validators.engine.durations import format_duration
from validators.engine.model import Status

pytestmark = pytest.mark.anyio
SIZE = (130, 36)


async def test_cancelled_is_not_passed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tui.app, "LONG_RUN_S", 0.0)  # every run ends with its notification
    root = project(
        tmp_path / "p",
        command("quick", "echo done") + "".join(command(f"slow {i}", "echo started; sleep 300") for i in range(3)),
    )
    app = make_app(root, concurrency=4)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(
            pilot,
            lambda: (
                app.states["quick"].status.finished and all(app.states[f"slow {i}"].log.total >= 2 for i in range(3))
            ),
        )
        await pilot.press("C")
        await wait_until(pilot, lambda: finished(app))
        assert [app.states[f"slow {i}"].status for i in range(3)] == [Status.CANCELLED] * 3
        await wait_until(pilot, lambda: any("run finished" in str(n.message) for n in app._notifications))
        [note] = [str(n.message) for n in app._notifications if "run finished" in str(n.message)]
        assert "3 cancelled, 1 passed" in note and "all passed" not in note
        await pilot.press("q")
        await wait_until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1


async def test_one_duration_per_attempt_everywhere(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("timed", "sleep 0.3; echo done"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        state = app.states["timed"]
        assert state.result is not None
        assert state.elapsed == state.result.duration_s
        await pilot.pause()
        assert format_duration(state.result.duration_s) in screen_text(app)
        app._export_to(root / "r.json")
        app._export_to(root / "r.md")
        report = json.loads((root / "r.json").read_text())
        assert report["validators"][0]["duration_s"] == round(state.result.duration_s, 3)
        # The run's duration is the validators' span, not the time the app has been open.
        assert report["duration_s"] < state.result.duration_s + 1.0
        assert f"in {format_duration(report['duration_s'])}." in (root / "r.md").read_text()


async def test_info_says_how_the_build_was_found_and_what_was_not_understood(tmp_path: Path) -> None:
    toml = '[[validators]]\nname = "image"\nkind = "dockerignore"\nengine = "current"\n'
    files = {
        "app/__init__.py": "",
        "compose.yaml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: ops/Dockerfile\n",
        "ops/Dockerfile": 'FROM python:3.12\nWORKDIR /srv\nCOPY app app\nCMD ["./start-things", "--fast"]\n',
    }
    app = make_app(project(tmp_path / "p", toml, files))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("3")
        await wait_until(pilot, lambda: "not understood" in screen_text(app))
        text = screen_text(app)
        assert "./start-things --fast" in text
        assert "compose.yaml service api" in text
