"""Text from outside is shown as text: never parsed as markup, never a control sequence, and a
secret from the config is masked everywhere it would show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.tui.support import command, finished, make_app, project, screen_text, wait_until

pytestmark = pytest.mark.anyio
SIZE = (140, 36)
TOKEN = "sk_live_51HxTOKENvalue"


async def test_markup_like_text_and_secrets_in_the_info_tab(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        command(
            "odd [/] [bold]name",
            "echo '[/] [red]not markup' ; echo token=$API_TOKEN; exit 2",
            f'env = {{ API_TOKEN = "{TOKEN}", DEBUG = "1" }}',
        ),
    )
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("3")
        await pilot.pause()
        shown = screen_text(app)
        assert "odd [/] [bold]name" in shown
        assert "API_TOKEN = ***" in shown and "DEBUG = 1" in shown
        assert TOKEN not in shown
        await pilot.press("1")
        await pilot.pause()
        shown = screen_text(app)
        assert "[/] [red]not markup" in shown and "token=***" in shown and TOKEN not in shown
        await wait_until(pilot, lambda: bool(list((root / ".checkdeck" / "runs").glob("*/summary.json"))))
    state = app.states["odd [/] [bold]name"]
    assert state.log_path is not None and TOKEN not in state.log_path.read_text()
    summaries = list((root / ".checkdeck" / "runs").glob("*/summary.json"))
    assert summaries and all(TOKEN not in p.read_text() for p in summaries)
    assert json.loads(summaries[0].read_text())["validators"][0]["summary"] == "exit code 2"
