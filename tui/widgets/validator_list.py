"""The list of validator panes: status with colour and icon, elapsed time, summary, progress.

A pane is one widget that draws its own lines. A pane made of labels and a progress bar was a
dozen widgets; every highlight change restyled them all and relaid the screen out, which made
j/k cost tens of milliseconds."""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.widgets import ListItem, ListView

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
# Theme variables, so every theme colours the states its own way.
COLOURS = {
    Status.PASSED: "success",
    Status.FAILED: "error",
    Status.ERROR: "error",
    Status.RUNNING: "accent",
    Status.CANCELLED: "warning",
    Status.SKIPPED: "warning",
}


def fit(text: str, width: int) -> str:
    """Cut to `width` cells with an ellipsis: the sidebar never ends a word silently."""
    if cell_len(text) <= width:
        return text
    out, used = [], 0
    for char in text:
        cells = cell_len(char)
        if used + cells > width - 1:
            break
        out.append(char)
        used += cells
    return "".join(out) + "…"


class ValidatorPane(ListItem):
    def __init__(self, state: ValidatorState, clock: Clock) -> None:
        super().__init__(classes=f"-{state.status.value}")
        self.state = state
        self.clock = clock

    def update_view(self) -> None:
        state = self.state
        for status in Status:
            if self.has_class(f"-{status.value}") != (state.status is status):
                self.set_class(state.status is status, f"-{status.value}")
        self.refresh(layout=self._rows() != self.size.height)

    def tick(self) -> None:
        if self.state.status is Status.RUNNING:
            self.refresh()

    def _narrow(self) -> bool:
        """A narrow screen leaves out the status-and-kind line (colour and icon say it)."""
        return self.is_mounted and self.screen.has_class("-narrow")

    def _has_bar(self) -> bool:
        progress = self.state.progress
        return self.state.status is Status.RUNNING and progress is not None and bool(progress[1])

    def _rows(self) -> int:
        return 2 + (0 if self._narrow() else 1) + (1 if self._has_bar() else 0)

    def get_content_height(self, container: object, viewport: object, width: int) -> int:
        return self._rows()

    def _colour(self) -> Style:
        name = COLOURS.get(self.state.status)
        if name is None:
            return Style()
        colour = self.app.theme_variables.get(name)
        return Style(color=colour, bold=True) if colour else Style(bold=True)

    def render(self) -> RenderResult:
        state = self.state
        width = max(8, self.content_region.width)
        colour = self._colour()
        elapsed = state.elapsed_now(self.clock)
        clock = format_duration(elapsed) if elapsed is not None else ""
        name_room = width - 2 - (cell_len(clock) + 1 if clock else 0)
        first = Text.assemble((ICONS[state.status] + " ", colour), (fit(printable(state.name), name_room), "bold"))
        if clock:
            first.append(" " * max(1, width - first.cell_len - cell_len(clock)))
            first.append(clock, "dim")
        lines = [first]
        if not self._narrow():
            lines.append(Text.assemble("  ", (state.status.value, colour), " ", (state.spec.kind, "dim")))
        summary = state.live_summary()
        if state.change is not None and state.status.finished:
            change = state.change.describe(state.status)
            summary = f"{summary}  [{change}]" if change else summary
        lines.append(Text(fit(printable(summary or "waiting for a slot"), width), "dim"))
        if self._has_bar():
            assert state.progress is not None
            done, total, _ = state.progress
            assert total
            share = min(1.0, done / total)
            label = f" {share:4.0%}"
            cells = max(1, width - len(label))
            filled = round(cells * share)
            lines.append(Text.assemble(("━" * filled, colour), ("━" * (cells - filled), "dim"), label))
        return Text("\n").join(lines)


class ValidatorList(ListView):
    """The arrows move (j/k too, from anywhere: the app's keys); Enter drills down."""

    def panes(self) -> list[ValidatorPane]:
        return list(self.query(ValidatorPane))

    def pane(self, name: str) -> ValidatorPane | None:
        return next((p for p in self.panes() if p.state.name == name), None)
