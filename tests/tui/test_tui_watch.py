"""Watch mode reruns what a change concerns, and never reacts to files checkdeck writes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.tui.support import command, finished, make_app, project, screen_text, wait_until
from tui.app import CheckdeckApp

pytestmark = pytest.mark.anyio
SIZE = (130, 36)


async def touch_until_rerun(pilot: object, app: CheckdeckApp, path: Path, name: str) -> None:
    """The watcher starts asynchronously and says nothing when ready: change the file until the
    rerun it causes is seen (the handshake), a few times at most."""
    before = app.states[name].attempt
    for n in range(40):
        path.write_text(f"# change {n} {time.monotonic()}\n")
        try:
            await wait_until(pilot, lambda: app.states[name].attempt > before, timeout=0.5)  # type: ignore[arg-type]
            break
        except AssertionError:
            continue
    await wait_until(pilot, lambda: app.states[name].attempt > before and finished(app))  # type: ignore[arg-type]


async def test_watch_mode_reruns_the_validators_whose_files_changed(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        command("python side", "true", 'watch = ["src/**/*.py"]')
        + command("docs side", "true", 'watch = ["docs/*.md"]'),
        {"src/app/x.py": "", "docs/index.md": ""},
    )
    app = make_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await touch_until_rerun(pilot, app, root / "src" / "app" / "x.py", "python side")
        assert app.states["docs side"].attempt == 1
        assert "watching for changes" in screen_text(app)


async def test_an_export_into_the_project_reruns_nothing(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        # Default globs for a command include **/*.json, which the report matches.
        command("json side", "true") + command("docs side", "true", 'watch = ["docs/*.md"]'),
        {"docs/index.md": ""},
    )
    app = make_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: finished(app))
        await touch_until_rerun(pilot, app, root / "docs" / "index.md", "docs side")
        json_attempts = app.states["json side"].attempt
        app._export_to(root / "checkdeck-report.json")
        assert (root / "checkdeck-report.json").is_file()
        # Changes arrive in order: once this later change has been acted on, the export's
        # events have been seen too.
        await touch_until_rerun(pilot, app, root / "docs" / "index.md", "docs side")
        assert app.states["json side"].attempt == json_attempts
