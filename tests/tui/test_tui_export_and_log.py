"""The export dialog, the log view (follow, search, bounded window, colours), and
notifications, on the real app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from tests.tui.support import command, finished, make_app, project, screen_text, wait_until
from tui.screens.confirm import Confirm
from tui.screens.export import ExportScreen
from tui.widgets.log_view import LogView
from validators.engine.model import Status

pytestmark = pytest.mark.anyio
SIZE = (130, 36)


async def test_export_dialog_writes_each_format_and_confirms_overwrite(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("ok", "echo fine") + command("bad", "exit 4"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        assert app.screen.query_one("#path", Input).value == "checkdeck-report.json"
        await pilot.click("#export")
        await wait_until(pilot, lambda: (root / "checkdeck-report.json").exists())
        report = json.loads((root / "checkdeck-report.json").read_text())
        assert report["status"] == "failed" and [v["name"] for v in report["validators"]] == ["ok", "bad"]
        # Markdown through the format select: the path follows the format.
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#format", Select).value = ".md"
        await pilot.pause()
        assert app.screen.query_one("#path", Input).value == "checkdeck-report.md"
        await pilot.click("#export")
        await wait_until(pilot, lambda: (root / "checkdeck-report.md").exists())
        assert "| ❌ | bad | command | failed |" in (root / "checkdeck-report.md").read_text()
        # Overwrite asks first; keeping the file leaves it untouched.
        (root / "checkdeck-report.json").write_text("keep me")
        await pilot.press("e")
        await pilot.pause()
        await pilot.click("#export")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert (root / "checkdeck-report.json").read_text() == "keep me"
        await pilot.click("#export")
        await pilot.pause()
        await pilot.press("y")
        await wait_until(pilot, lambda: (root / "checkdeck-report.json").read_text() != "keep me")
        assert json.loads((root / "checkdeck-report.json").read_text())["version"] == 1
        # A bad extension is refused in the dialog.
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#path", Input).value = "report.html"
        await pilot.click("#export")
        await pilot.pause()
        assert "Unknown extension .html" in screen_text(app)


async def test_follow_stops_when_scrolling_up_and_resumes_on_end(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("talker", "for i in $(seq 1 200); do echo line $i; done; sleep 30"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await wait_until(pilot, lambda: app.states["talker"].log.total >= 201)
        await wait_until(pilot, lambda: view.max_scroll_y > 0 and view.scroll_y == view.max_scroll_y)
        assert view.follow
        view.focus()
        await pilot.press("up", "up", "pageup")
        await pilot.pause()
        assert not view.follow
        assert "⏸ paused: End follows" in screen_text(app)
        await pilot.press("end")
        await wait_until(pilot, lambda: view.follow and view.scroll_y == view.max_scroll_y)
        assert "line 200" in screen_text(app)
        assert "▼ following" in screen_text(app) and "paused" not in screen_text(app)
        await pilot.press("C")
        await wait_until(pilot, lambda: finished(app))


async def test_search_finds_and_highlights_and_n_N_move(tmp_path: Path) -> None:
    # The word is assembled at run time so that the command line in the log does not match.
    script = (
        "w=nee; for i in $(seq 1 300); do if [ $((i % 100)) -eq 0 ]; then echo ${w}dle $i; else echo hay $i; fi; done"
    )
    app = make_app(project(tmp_path / "p", command("haystack", script)))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        view = app.query_one(LogView)
        await pilot.press("slash")
        await pilot.pause()
        assert app.query_one("#search", Input).has_focus
        await pilot.press(*"needle", "enter")
        await pilot.pause()
        assert len(view.matches) == 3
        assert "needle 300" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert "needle 100" in screen_text(app)
        await pilot.press("N")
        await pilot.pause()
        assert "needle 300" in screen_text(app)
        # The current match is highlighted in the rendered line.
        row = view.matches[view.current_match] - int(view.scroll_y)
        strip = view.render_line(row)
        assert any(seg.style is not None and seg.style.bgcolor is not None and "needle" in seg.text for seg in strip)


async def test_the_window_is_bounded_and_says_where_the_rest_is(tmp_path: Path) -> None:
    app = make_app(project(tmp_path / "p", command("flood", "seq 1 5000")), log_window=1000)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.pause()
        state = app.states["flood"]
        assert len(state.log.lines) == 1000 and state.log.total == 5002
        assert state.log.lines[-2].text == "5000"
        notice = app.query_one("#log-notice")
        assert notice.display and f"4002 older lines only on disk: {state.log_path}" in str(notice.content)
        assert "4002 older lines only on disk" in screen_text(app)
        assert state.log_path is not None and state.log_path.read_text().count("\n") == 5002


async def test_ansi_colours_are_rendered_not_printed(tmp_path: Path) -> None:
    app = make_app(project(tmp_path / "p", command("colour", r"printf '\033[31mred alert\033[0m plain\n'")))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.pause()
        assert "red alert plain" in screen_text(app) and "\x1b" not in screen_text(app)
        view = app.query_one(LogView)
        strip = view.render_line(1)
        red = [seg for seg in strip if "red alert" in seg.text]
        assert red and red[0].style is not None and red[0].style.color is not None


async def test_a_flip_to_failure_notifies(tmp_path: Path) -> None:
    flag = tmp_path / "broken"
    app = make_app(project(tmp_path / "p", command("flaky", f"test ! -e {flag}")))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: finished(app))
        flag.write_text("")
        await pilot.press("r")
        await wait_until(pilot, lambda: app.states["flaky"].attempt == 2 and finished(app))
        await pilot.pause()
        assert app.states["flaky"].status is Status.FAILED
        assert any("flaky: failed" in str(n.message) for n in app._notifications)
        flag.unlink()
        await pilot.press("r")
        await wait_until(pilot, lambda: app.states["flaky"].attempt == 3 and finished(app))
        await pilot.pause()
        assert any("flaky: passed" in str(n.message) for n in app._notifications)
