"""The list of validator panes: status with colour and icon, elapsed time, summary, progress."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, ListItem, ListView, ProgressBar

from validators.engine.durations import format_duration
from validators.engine.model import Status
from validators.process.terminal_text import printable

from ..state import Clock, ValidatorState

ICONS = {
    Status.PENDING: "·",
    Status.RUNNING: "▶",
    Status.PASSED: "✔",
    Status.FAILED: "✘",
    Status.ERROR: "‼",
    Status.SKIPPED: "−",
    Status.CANCELLED: "■",
}


class ValidatorPane(ListItem):
    def __init__(self, state: ValidatorState, clock: Clock) -> None:
        super().__init__(classes=f"-{state.status.value}")
        self.state = state
        self.clock = clock

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-top"):
            yield Label("", classes="pane-icon")
            yield Label(Text(printable(self.state.name)), classes="pane-name")
            yield Label("", classes="pane-elapsed")
        with Horizontal(classes="pane-second"):
            yield Label("", classes="pane-status")
            yield Label(Text(self.state.spec.kind), classes="pane-kind")
        yield Label("", classes="pane-summary")
        yield ProgressBar(total=None, show_eta=False, show_percentage=True, classes="pane-progress")

    def on_mount(self) -> None:
        self.update_view()

    def update_view(self) -> None:
        state = self.state
        for status in Status:
            self.set_class(state.status is status, f"-{status.value}")
        self.query_one(".pane-icon", Label).update(ICONS[state.status])
        self.query_one(".pane-status", Label).update(state.status.value)
        elapsed = state.elapsed_now(self.clock)
        self.query_one(".pane-elapsed", Label).update(format_duration(elapsed) if elapsed is not None else "")
        summary = state.live_summary()
        if state.change is not None and state.status.finished:
            change = state.change.describe(state.status)
            summary = f"{summary}  [{change}]" if change else summary
        self.query_one(".pane-summary", Label).update(Text(printable(summary or "waiting for a slot")))
        bar = self.query_one(ProgressBar)
        if state.status is Status.RUNNING and state.progress is not None and state.progress[1]:
            bar.display = True
            bar.update(total=state.progress[1], progress=state.progress[0])
        else:
            bar.display = False

    def tick(self) -> None:
        if self.state.status is Status.RUNNING:
            elapsed = self.state.elapsed_now(self.clock)
            self.query_one(".pane-elapsed", Label).update(format_duration(elapsed) if elapsed is not None else "")


class ValidatorList(ListView):
    """The arrows move (j/k too, from anywhere: the app's keys); Enter drills down."""

    def panes(self) -> list[ValidatorPane]:
        return list(self.query(ValidatorPane))

    def pane(self, name: str) -> ValidatorPane | None:
        return next((p for p in self.panes() if p.state.name == name), None)
