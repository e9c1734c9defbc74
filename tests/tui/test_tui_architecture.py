"""The architecture validator in the app: Findings grouped by rule with counts, Info with the
score, the scope and the counts per rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.widgets import TabbedContent

from tests.architecture_fixture import shop
from tests.tui.support import command, finished, make_app, project, screen_lines, screen_text, wait_until
from tui.widgets.findings_table import FindingsTable
from validators.engine.model import Status

pytestmark = pytest.mark.anyio

CONFIG = """
[[validators]]
name = "arch"
kind = "architecture"
max_function_lines = 2
"""


def broken(root: Path) -> Path:
    body = "".join(f"    x{i} = 1\n" for i in range(3))
    shop(root, {f"shop/services/m{i}.py": f"def f{i}():\n{body}" for i in range(3)})
    (root / "shop/db/models.py").write_text("from shop.api import routes\n")
    (root / "checkdeck.toml").write_text(CONFIG)
    return root


async def test_findings_are_grouped_by_rule_with_counts(tmp_path: Path) -> None:
    app = make_app(broken(tmp_path / "p"))
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        assert app.states["arch"].status is Status.FAILED
        await pilot.press("enter")
        table = app.query_one(FindingsTable)
        await wait_until(pilot, lambda: table.row_count == 6)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        # The error's group first, then the warnings' group; each header says how many.
        assert rows[0][:2] == ["▾", "contract/layers · 1"]
        assert rows[1][:3] == ["error", "contract/layers", "shop/db/models.py:1"]
        assert rows[2][:2] == ["▾", "architecture/function-lines · 3"]
        assert [r[2] for r in rows[3:]] == [f"shop/services/m{i}.py:1" for i in range(3)]
        text = screen_text(app)
        assert "contract/layers · 1" in text and "architecture/function-lines · 3" in text
        # A header row opens nothing; a finding row opens its detail.
        await pilot.press("enter")
        assert len(app.screen_stack) == 1
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: len(app.screen_stack) == 2)
        assert "chain: shop.db.models -> shop.api.routes (shop/db/models.py: l.1)" in screen_text(app)


async def test_info_shows_the_score_the_scope_and_counts_per_rule(tmp_path: Path) -> None:
    app = make_app(broken(tmp_path / "p"))
    async with app.run_test(size=(140, 60)) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await pilot.press("3")
        tabs = app.query_one(TabbedContent)
        await wait_until(pilot, lambda: tabs.active == "info")
        await wait_until(pilot, lambda: "score 66.7% (8 of 12 files clean)" in screen_text(app), timeout=5)
        lines = [line.strip("▎▊ ") for line in screen_lines(app)]
        assert any(line.startswith("excluded") and line.endswith("2 files by **/tests/**") for line in lines)
        assert any(re.fullmatch(r"rule function-lines +3", line) for line in lines), lines
        assert any(re.fullmatch(r"rule contract/layers +1", line) for line in lines), lines
        assert any("Layers (layers, pyproject.toml): broken, 1" in line for line in lines)


async def test_thousands_of_findings_at_once_reach_the_table(tmp_path: Path) -> None:
    # A legacy codebase reports thousands of findings in one burst: the table takes them in
    # batches (a rebuild per finding took minutes for this many).
    script = 'for i in $(seq 1 3000); do echo "m$i.py:$i: error: finding $i  [code]"; done; exit 1'
    root = project(tmp_path / "p", command("types", script, 'findings = "mypy"'))
    app = make_app(root)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(pilot, lambda: finished(app), timeout=60)
        await pilot.press("enter")
        table = app.query_one(FindingsTable)
        await wait_until(pilot, lambda: table.row_count == 3000, timeout=30)
        await pilot.press("down")
        assert table.cursor_row == 1
