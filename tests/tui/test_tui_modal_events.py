"""Runner events keep flowing into the app's state while a modal screen is open: the validator
finishes, its output arrives and summary.json is written, whatever screen is on top."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.support import command, finished, make_app, project, wait_until
from validators.engine.model import Status
from validators.engine.store import read_summary

pytestmark = pytest.mark.anyio
SIZE = (120, 32)


@pytest.mark.parametrize("key", ["question_mark", "e", "h"])
async def test_a_run_finishes_under_a_modal_screen(tmp_path: Path, key: str) -> None:
    # The command waits for a file the test creates once the modal is open: a handshake.
    root = project(
        tmp_path / "p",
        command("gated", "while [ ! -e go ]; do sleep 0.02; done; echo after the gate; exit 3")
        + command("quick", "echo quick"),
    )
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.states["quick"].status.finished)
        await pilot.press(key)
        await wait_until(pilot, lambda: len(app.screen_stack) > 1)
        modal = app.screen
        (root / "go").touch()
        await wait_until(pilot, lambda: finished(app))
        assert app.screen is modal
        state = app.states["gated"]
        assert state.status is Status.FAILED and state.summary == "exit code 3"
        assert any("after the gate" in line.text for line in state.log.lines)
        runs = root / ".checkdeck" / "runs"
        await wait_until(pilot, lambda: any((d / "summary.json").exists() for d in runs.iterdir()))
        [run_dir] = list(runs.iterdir())
        summary = read_summary(run_dir)
        assert summary is not None
        assert [(r.name, r.status) for r in summary.results] == [("gated", Status.FAILED), ("quick", Status.PASSED)]
