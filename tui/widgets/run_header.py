"""The run's totals, elapsed time and project path, always on top, fitted to the width: the
counts and the elapsed time first, the path gets what is left."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static

from validators.engine.durations import format_duration
from validators.engine.model import Status


class RunHeader(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[dict[Status, int], float, str, bool] | None = None

    def show(self, counts: dict[Status, int], elapsed: float, project: str, watching: bool) -> None:
        self._shown = (counts, elapsed, project, watching)
        self.update(self._text(self.content_region.width or 120), layout=False)

    def on_resize(self, event: events.Resize) -> None:
        if self._shown is not None:
            self.update(self._text(self.content_region.width), layout=False)

    def _text(self, width: int) -> Text:
        assert self._shown is not None
        counts, elapsed, project, watching = self._shown
        bad = counts[Status.FAILED] + counts[Status.ERROR]
        long_form: list[tuple[str, str]] = [
            (f"✔ {counts[Status.PASSED]} passed", "green" if counts[Status.PASSED] else ""),
            (f"✘ {bad} failed", "bold red" if bad else ""),
            (f"▶ {counts[Status.RUNNING]} running", "cyan" if counts[Status.RUNNING] else ""),
            (f"· {counts[Status.PENDING]} pending", ""),
        ]
        short_form: list[tuple[str, str]] = [(text.rsplit(" ", 1)[0], style) for text, style in long_form]
        if counts[Status.CANCELLED]:
            long_form.append((f"■ {counts[Status.CANCELLED]} cancelled", "yellow"))
            short_form.append((f"■ {counts[Status.CANCELLED]}", "yellow"))
        clock = (format_duration(elapsed), "")
        for parts, separator in ((long_form, "  │  "), (short_form, "  ")):
            watch = [("watching for changes" if parts is long_form else "watching", "yellow")] if watching else []
            tail = Text()
            for part, style in [*parts, clock, *watch]:
                tail.append(separator, style="dim")
                tail.append(part, style=style)
            room = width - tail.cell_len - len("checkdeck ")
            if room >= 12 or parts is short_form:
                break
        head = Text("checkdeck ", style="bold")
        if room >= 8:
            shown = project if len(project) <= room else "…" + project[-(room - 1) :]
            head.append(shown, style="bold")
        return head + tail
