"""What a daily user meets: follow state, wrap by cells, keys where the user is, a layout that
works at 80x24, feedback for every key. Driven through the real app with Pilot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import Tabs

from tests.tui.support import command, finished, make_app, project, screen_lines, screen_text, wait_until
from tui.widgets.findings_table import FindingsTable
from tui.widgets.log_view import LogView
from tui.widgets.validator_list import ValidatorList
from validators.engine.model import Status

pytestmark = pytest.mark.anyio
NARROW = (80, 24)


async def test_follow_survives_scroll_up_home_end_with_live_output(tmp_path: Path) -> None:
    # 20 lines a second, each printed after the file that says how far it got.
    talker = "i=0; while [ $i -lt 2000 ]; do i=$((i+1)); echo line $i; echo $i > count; sleep 0.05; done"
    root = project(tmp_path / "p", command("talker", talker))
    app = make_app(root)
    async with app.run_test(size=NARROW) as pilot:
        view = app.query_one(LogView)
        state = app.states["talker"]
        await wait_until(pilot, lambda: state.log.total >= 60 and view.max_scroll_y > 0)
        view.focus()
        await pilot.press("up")
        assert not view.follow
        seen = state.log.total
        await wait_until(pilot, lambda: state.log.total >= seen + 10)
        assert "⏸ paused, " in screen_text(app) and "new lines below: End follows" in screen_text(app)
        await pilot.press("home")
        assert not view.follow and view.scroll_y == 0
        await pilot.press("end")
        assert view.follow
        # Following: the lines the command goes on printing keep reaching the screen.

        def newest_shown() -> int:
            return max((int(n) for n in re.findall(r"line (\d+)", "\n".join(screen_lines(app)))), default=0)

        for _ in range(3):
            target = state.log.total + 5
            await wait_until(pilot, lambda t=target: newest_shown() >= t and view.scroll_y == view.max_scroll_y)  # type: ignore[misc]
        assert "▼ following" in screen_text(app) and "paused" not in screen_text(app)
        await pilot.press("C")
        await wait_until(pilot, lambda: finished(app))


async def test_wrap_counts_cells_so_wide_characters_and_the_tail_all_show(tmp_path: Path) -> None:
    # Printed from escapes, so that the command line in the log holds no wide character.
    script = "print('\\U0001F680' * 70 + ' TAIL3'); print('\\u65e5\\u672c\\u8a9e' * 10 + ' END')"
    root = project(tmp_path / "p", command("wide", f'python3 -c "{script}"'))
    app = make_app(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("w")
        await pilot.pause()
        shown = "".join(line.split("▊", 1)[-1].rstrip() for line in screen_lines(app))
        assert shown.count("🚀") == 70 and "TAIL3" in shown
        assert shown.count("日本語") == 10 and "END" in shown
        view = app.query_one(LogView)
        width = view.scrollable_content_region.width
        # Every row of a wrapped line is full to the cell, and no wide character is split.
        rocket_rows = [line for line in screen_lines(app) if "🚀" in line]
        assert len(rocket_rows) == -(-(140 + 6) // width)


async def test_tab_skips_the_tab_strip_and_j_k_move_from_the_log(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("one", "echo 1") + command("two", "echo 2") + command("three", "echo 3"))
    app = make_app(root)
    async with app.run_test(size=NARROW) as pilot:
        await wait_until(pilot, lambda: finished(app))
        assert isinstance(app.focused, ValidatorList)
        await pilot.press("tab")
        assert isinstance(app.focused, LogView)
        assert not isinstance(app.focused, Tabs)
        await pilot.press("j")
        assert app.selected == "two"
        await pilot.press("j", "j")
        assert app.selected == "three"
        await pilot.press("k")
        assert app.selected == "two" and isinstance(app.focused, LogView)


async def test_findings_sort_by_key_and_the_header_says_how(tmp_path: Path) -> None:
    out = "b.py:9: error: zeta  [z-code]\na.py:1: note: alpha\nc.py:5: warning: mid  [m-code]\n"
    root = project(tmp_path / "p", command("types", f"printf '{out}'; exit 1", 'findings = "mypy"'))
    app = make_app(root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("enter")
        table = app.query_one(FindingsTable)
        assert app.focused is table

        def first_column() -> list[str]:
            return [str(table.get_row_at(i)[2]) for i in range(table.row_count)]

        assert first_column()[0] == "b.py:9"  # severity first: the error
        await pilot.press("s")  # rule
        assert table.sort_column == "rule" and "rule ▲" in screen_text(app)
        await pilot.press("s")  # location
        assert first_column() == ["a.py:1", "b.py:9", "c.py:5"]
        await pilot.press("S")
        assert first_column() == ["c.py:5", "b.py:9", "a.py:1"] and "location ▼" in screen_text(app)
        assert "s Sort" in screen_text(app)


async def test_at_80x24_header_footer_and_log_all_fit(tmp_path: Path) -> None:
    root = project(tmp_path / "p", command("ok", "echo fine") + command("slow", "echo waiting; sleep 30"))
    app = make_app(root, concurrency=1)
    async with app.run_test(size=NARROW) as pilot:
        await wait_until(pilot, lambda: app.states["slow"].status is Status.RUNNING)
        await wait_until(pilot, lambda: "Quit" in screen_lines(app)[-1])  # the footer is composed after mount
        lines = screen_lines(app)
        assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
        header, footer = lines[0], lines[-1]
        assert "✔ 1" in header and "▶ 1" in header and "· 0" in header
        assert re.search(r"\d+(\.\d+)?(ms|s)\b", header), header  # elapsed is kept
        for key in ("r Rerun", "c Cancel", "? Help", "q Quit"):
            assert key in footer, footer
        assert app.query_one(LogView).scrollable_content_region.width >= 45
        await pilot.press("b")
        assert app.query_one(LogView).scrollable_content_region.width >= 75
        await pilot.press("b")
        await pilot.press("C")
        await wait_until(pilot, lambda: finished(app))


async def test_search_shows_the_current_match_as_n_of_m(tmp_path: Path) -> None:
    script = "w=nee; for i in 1 2 3 4 5 6; do echo ${w}dle $i; echo hay; done"
    app = make_app(project(tmp_path / "p", command("haystack", script)))
    async with app.run_test(size=NARROW) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("slash", *"needle", "enter")
        await pilot.pause()
        assert "/needle: 6/6 (n/N)" in screen_text(app)
        await pilot.press("N", "N", "N")
        assert "/needle: 3/6 (n/N)" in screen_text(app)


async def test_screenshot_is_saved_under_checkdeck_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path / "p", command("ok", "true"))
    monkeypatch.chdir(root)
    monkeypatch.setenv("HOME", str(tmp_path / "home-without-downloads"))
    app = make_app(root)
    async with app.run_test(size=NARROW) as pilot:
        await wait_until(pilot, lambda: finished(app))
        app.action_screenshot()
        await pilot.pause()
        [saved] = list((root / ".checkdeck" / "screenshots").glob("checkdeck-*.svg"))
        assert saved.read_text().startswith("<svg")
        assert any(f"screenshot saved: .checkdeck/screenshots/{saved.name}" in n.message for n in app._notifications)


async def test_cancel_keys_say_so_when_nothing_runs(tmp_path: Path) -> None:
    app = make_app(project(tmp_path / "p", command("ok", "true")))
    async with app.run_test(size=NARROW) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("c")
        await pilot.press("C")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert "ok is not running." in messages and "Nothing is running." in messages


async def test_no_findings_shows_no_empty_table_and_pending_reruns_show_no_stale_summary(tmp_path: Path) -> None:
    gate = tmp_path / "go"
    root = project(
        tmp_path / "p",
        command("first", f"while [ ! -e {gate} ]; do sleep 0.02; done; echo done")
        + command("second", "echo quick; exit 4"),
    )
    app = make_app(root, concurrency=1)
    async with app.run_test(size=NARROW) as pilot:
        await wait_until(pilot, lambda: app.states["first"].status is Status.RUNNING)
        gate.write_text("")
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("2")
        await pilot.pause()
        assert not app.query_one(FindingsTable).display
        assert "No findings." in screen_text(app) and "severity" not in screen_text(app)
        gate.unlink()
        await pilot.press("R")  # first blocks again, so second waits for the slot
        await wait_until(
            pilot, lambda: app.states["second"].status is Status.PENDING and app.states["second"].attempt == 2
        )
        second = app.query_one(ValidatorList).pane("second")
        assert second is not None
        await pilot.pause()
        assert "exit code 4" not in screen_text(app)
        assert "waiting for a slot" in screen_text(app)
        gate.write_text("")
        await wait_until(pilot, lambda: finished(app) and app.states["second"].attempt == 2)
