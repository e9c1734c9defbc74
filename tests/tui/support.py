"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tui.app import CheckdeckApp
from validators.config.load import load_config


def project(root: Path, toml: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "checkdeck.toml").write_text(toml)
    for name, text in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def command(name: str, run: str, extra: str = "") -> str:
    return f"[[validators]]\nname = \"{name}\"\nkind = \"command\"\nrun = '''{run}'''\n{extra}\n"


def make_app(root: Path, **options: object) -> CheckdeckApp:
    return CheckdeckApp(load_config(root / "checkdeck.toml"), **options)  # type: ignore[arg-type]


def finished(app: CheckdeckApp) -> bool:
    return all(s.status.finished for s in app.states.values())


async def wait_until(pilot: Pilot[int], predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)


def screen_text(app: CheckdeckApp) -> str:
    """The visible text of the screen, from the same SVG a screenshot is made of."""
    svg = app.export_screenshot()
    lines: dict[str, list[str]] = {}
    for y, text in re.findall(r'<text[^>]*\by="([0-9.]+)"[^>]*>([^<]*)</text>', svg):
        lines.setdefault(y, []).append(html.unescape(text).replace("\xa0", " "))
    return "\n".join("".join(parts) for _, parts in sorted(lines.items(), key=lambda kv: float(kv[0])))


def screen_lines(app: CheckdeckApp) -> list[str]:
    """The screen as the terminal shows it, row by row (what a user reads at each row)."""
    return ["".join(segment.text for segment in strip) for strip in app.screen._compositor.render_strips()]
