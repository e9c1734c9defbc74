"""Every key of the app, driven through the real app with Pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from tests.helpers import pid_alive
from tests.tui.support import command, finished, make_app, project, screen_text, wait_until
from tui.screens.confirm import Confirm
from tui.screens.finding_detail import FindingDetail
from tui.screens.help import HelpScreen
from tui.screens.history import HistoryScreen, RunScreen
from tui.widgets.log_view import LogView
from validators.engine.model import Status

pytestmark = pytest.mark.anyio
SIZE = (130, 36)


async def test_panes_show_status_summary_and_totals(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("good", "echo fine") + command("bad", "echo broken >&2; exit 3"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.pause()
        text = screen_text(app)
        assert "✔ 1 passed" in text and "✘ 1 failed" in text
        assert "exit code 3" in text and "passed" in text and "failed" in text
        assert "fine" in text  # the first validator's log is shown


async def test_j_k_move_and_enter_drills_into_findings_escape_comes_back(tmp_path: Path) -> None:
    suite = "def test_a():\n    assert 1 == 2, 'numbers differ'\n"
    root = project(
        tmp_path / "p",
        command("first", "echo one")
        + command(
            "tests", "python3 -m pytest -q -p no:cacheprovider", 'env = { PYTEST_DISABLE_PLUGIN_AUTOLOAD = "1" }'
        ),
        {"test_x.py": suite},
    )
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        assert app.selected == "first"
        await pilot.press("j")
        await wait_until(pilot, lambda: app.selected == "tests")
        await pilot.press("k")
        await wait_until(pilot, lambda: app.selected == "first")
        await pilot.press("down", "enter")
        tabs = app.query_one(TabbedContent)
        await wait_until(pilot, lambda: tabs.active == "findings")
        await wait_until(
            pilot, lambda: "AssertionError: numbers" in screen_text(app) and "test_x.py:2" in screen_text(app)
        )
        await pilot.press("enter")  # the focused table: open the finding
        await wait_until(pilot, lambda: isinstance(app.screen, FindingDetail))
        # the source line around it
        await wait_until(pilot, lambda: "pytest/failed" in screen_text(app) and "assert 1 == 2" in screen_text(app))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, FindingDetail))
        await pilot.press("escape", "3")
        await wait_until(pilot, lambda: tabs.active == "info")
        await wait_until(pilot, lambda: "exit code" in screen_text(app))
        await pilot.press("1")
        await wait_until(pilot, lambda: tabs.active == "log")


async def test_r_reruns_the_selected_one_while_another_runs(tmp_path: Path) -> None:
    counter = tmp_path / "count"
    # "slow" runs until the test releases it: no race with a fixed duration.
    root = project(
        tmp_path / "p",
        command("quick", f"echo x >> {counter}") + command("slow", "while [ ! -e release ]; do sleep 0.05; done"),
    )
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.states["quick"].status is Status.PASSED)
        assert app.states["slow"].status is Status.RUNNING
        await pilot.press("r")
        await wait_until(pilot, lambda: app.states["quick"].attempt == 2 and app.states["quick"].status.finished)
        assert app.states["slow"].status is Status.RUNNING and app.states["slow"].attempt == 1
        assert counter.read_text().count("x") == 2
        (root / "release").touch()
        await wait_until(pilot, lambda: finished(app))
        assert app.states["slow"].status is Status.PASSED


async def test_R_reruns_all_and_f_only_the_failed(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("ok", "true") + command("no", "false"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("f")
        await wait_until(pilot, lambda: app.states["no"].attempt == 2 and finished(app))
        assert app.states["ok"].attempt == 1
        await pilot.press("R")
        await wait_until(
            pilot, lambda: app.states["ok"].attempt == 2 and app.states["no"].attempt == 3 and finished(app)
        )


async def test_c_cancels_the_selected_and_C_cancels_all_leaving_no_process(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        command("one", "sleep 300 & echo $! > one.pid; wait") + command("two", "sleep 300 & echo $! > two.pid; wait"),
    )
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot,
            lambda: (
                (root / "one.pid").exists()
                and (root / "two.pid").exists()
                and bool((root / "two.pid").read_text().strip())
            ),
        )
        await pilot.press("c")
        await wait_until(pilot, lambda: app.states["one"].status is Status.CANCELLED)
        assert app.states["two"].status is Status.RUNNING
        await pilot.press("C")
        await wait_until(pilot, lambda: app.states["two"].status is Status.CANCELLED)
        assert "■ cancelled" in screen_text(app) or "cancelled" in screen_text(app)
    for name in ("one", "two"):
        assert not pid_alive(int((root / f"{name}.pid").read_text()))


@pytest.mark.parametrize("key", ["q", "ctrl+q"])
async def test_quit_asks_while_running_then_stops_everything(tmp_path: Path, key: str) -> None:
    root = project(tmp_path / "p", command("long", "sleep 300 & echo $! > pid; wait"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: (root / "pid").exists() and bool((root / "pid").read_text().strip()))
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # keep running
        await pilot.pause()
        assert not isinstance(app.screen, Confirm) and app.states["long"].status is Status.RUNNING
        await pilot.press(key)
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: app.states["long"].status is Status.CANCELLED)
        await pilot.pause(0.2)
    assert app.return_code in (0, 1)
    assert not pid_alive(int((root / "pid").read_text()))


async def test_quit_without_running_validators_exits_at_once(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("ok", "true"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, Confirm)
    assert app.return_code == 0


async def test_help_screen_lists_the_keys(tmp_path: Path) -> None:
    app = make_app(project(tmp_path / "p", command("ok", "true")))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for words in ("rerun the selected validator", "cancel all", "search", "export the run", "past runs"):
            assert words in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_wrap_and_timestamps_toggle(tmp_path: Path) -> None:
    long_line = "x" * 400
    app = make_app(project(tmp_path / "p", command("wide", f"echo {long_line}")))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        view = app.query_one(LogView)
        rows = view.virtual_size.height
        await pilot.press("w")
        assert view.wrap and view.virtual_size.height > rows
        await pilot.press("w")
        assert not view.wrap
        await pilot.press("t")
        await pilot.pause()
        assert view.timestamps
        assert any(ch.isdigit() and ":" in screen_text(app) for ch in screen_text(app))
        import re

        assert re.search(r"\d\d:\d\d:\d\d\.\d\d\d", screen_text(app))


async def test_history_lists_past_runs_and_shows_what_changed(tmp_path: Path) -> None:
    flag = tmp_path / "fail-now"
    root = project(tmp_path / "p", command("flips", f"test ! -e {flag}"))
    first = make_app(root)
    async with first.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(first))
        await wait_until(
            pilot, lambda: any((r / "summary.json").exists() for r in (root / ".checkdeck/runs").iterdir())
        )
    flag.write_text("")
    second = make_app(root)
    async with second.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(second))
        await pilot.pause()
        assert second.states["flips"].status is Status.FAILED
        assert "newly failing" in screen_text(second)
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(second.screen, HistoryScreen)
        assert "Past runs" in screen_text(second) and "passed" in screen_text(second)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(second.screen, RunScreen)
        assert "flips" in screen_text(second)


async def test_command_palette_offers_every_action_and_rerun_per_validator(tmp_path: Path) -> None:
    app = make_app(project(tmp_path / "p", command("alpha", "true") + command("beta", "true")))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        titles = [c.title for c in app.get_system_commands(app.screen)]
        # One "Keys" (checkdeck's), and nothing to cancel when nothing runs.
        assert titles.count("Keys") == 1 and titles.count("Screenshot") == 1
        assert not [t for t in titles if t.startswith("Cancel")]
        for title in (
            "Rerun alpha",
            "Rerun beta",
            "Rerun all",
            "Rerun failed",
            "Export run",
            "Search log",
            "Toggle wrap",
            "Toggle timestamps",
            "Past runs",
            "Keys",
        ):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"rerun beta")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.states["beta"].attempt == 2 and finished(app))
        assert app.states["alpha"].attempt == 1


async def test_empty_project_says_what_to_do(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "concurrency = 2\n")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert "No validators configured or detected here" in screen_text(app)
