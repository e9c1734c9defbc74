"""The run's totals, elapsed time and project path, always on top."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from validators.engine.durations import format_duration
from validators.engine.model import Status


class RunHeader(Static):
    def show(self, counts: dict[Status, int], elapsed: float, project: str, watching: bool) -> None:
        bad = counts[Status.FAILED] + counts[Status.ERROR]
        if len(project) > 40:
            project = "…" + project[-39:]
        text = Text.assemble(("checkdeck ", "bold"), (project, "bold"))
        if watching:
            text.append("  watching for changes", style="yellow")
        parts: list[tuple[str, str]] = [
            (f"✔ {counts[Status.PASSED]} passed", "green" if counts[Status.PASSED] else ""),
            (f"✘ {bad} failed", "bold red" if bad else ""),
            (f"▶ {counts[Status.RUNNING]} running", "cyan" if counts[Status.RUNNING] else ""),
            (f"· {counts[Status.PENDING]} pending", ""),
        ]
        if counts[Status.CANCELLED]:
            parts.append((f"■ {counts[Status.CANCELLED]} cancelled", "yellow"))
        parts.append((f"elapsed {format_duration(elapsed)}", ""))
        for part, style in parts:
            text.append("  │  ", style="dim")
            text.append(part, style=style)
        self.update(text)
