"""Regenerate the SVG screenshots of the real app on examples/demo (`make screenshots`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from tui.app import CheckdeckApp
from validators.config.load import load_config

HERE = Path(__file__).resolve().parent
DEMO = HERE.parent / "examples" / "demo"
SIZE = (150, 38)


async def settle(app: CheckdeckApp, pilot: Pilot[int]) -> None:
    """Every validator finished, and the screen drawn since."""
    for _ in range(600):
        if all(s.status.finished for s in app.states.values()):
            break
        await pilot.pause(0.1)
    await pilot.pause(0.5)


async def shoot() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "demo"
        shutil.copytree(DEMO, project, ignore=shutil.ignore_patterns(".checkdeck", "__pycache__", ".pytest_cache"))
        os.chdir(tmp)
        app = CheckdeckApp(load_config(project / "checkdeck.toml"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            app.save_screenshot("overview.svg", str(HERE))
            await pilot.press("j", "j", "j", "enter")  # the build context validator's findings
            await pilot.pause(0.5)
            app.save_screenshot("findings.svg", str(HERE))
            await pilot.press("enter")
            await pilot.pause(0.5)
            app.save_screenshot("finding-detail.svg", str(HERE))
            await pilot.press("escape", "escape", "j", "3")  # the image build: its steps and result
            await pilot.pause(0.5)
            app.save_screenshot("docker-build.svg", str(HERE))
            await pilot.press("j", "2")  # the architecture check: findings grouped by rule
            await pilot.pause(0.5)
            app.save_screenshot("architecture.svg", str(HERE))
            await pilot.press("1", "question_mark")
            await pilot.pause(0.5)
            app.save_screenshot("help.svg", str(HERE))
        # The same run in a default-sized terminal.
        app = CheckdeckApp(load_config(project / "checkdeck.toml"))
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.save_screenshot("narrow.svg", str(HERE))
    print(f"wrote overview.svg, findings.svg, finding-detail.svg, docker-build.svg, architecture.svg, help.svg, narrow.svg in {HERE}")


if __name__ == "__main__":
    sys.exit(asyncio.run(shoot()))
