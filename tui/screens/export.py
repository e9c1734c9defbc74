"""Export the current run: format, path with a sensible default, confirm before overwriting."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from .confirm import Confirm

FORMATS = [
    ("JSON report", ".json"),
    ("Markdown (pull request, step summary)", ".md"),
    ("JUnit XML", ".xml"),
    ("SARIF 2.1.0 (findings)", ".sarif"),
]


class ExportScreen(ModalScreen[Path | None]):
    """Dismisses with the chosen path (already confirmed), or None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, project_dir: Path, stem: str = "checkdeck-report") -> None:
        super().__init__()
        self.project_dir = project_dir
        self.stem = stem

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog export"):
            yield Label("Export this run", classes="dialog-title")
            yield Label("Format")
            yield Select(FORMATS, value=".json", allow_blank=False, id="format")
            yield Label("Path (relative to the project)")
            yield Input(f"{self.stem}.json", id="path")
            yield Label("", id="export-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export", variant="primary", id="export")
                yield Button("Cancel", id="cancel")

    def on_select_changed(self, event: Select.Changed) -> None:
        path_input = self.query_one("#path", Input)
        current = Path(path_input.value)
        if str(event.value) and current.suffix != event.value:
            path_input.value = str(current.with_suffix(str(event.value)))

    def on_input_submitted(self) -> None:
        self._export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "export":
            self._export()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _export(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.query_one("#export-error", Label).update("Give a file name.")
            return
        path = Path(raw)
        path = path if path.is_absolute() else self.project_dir / path
        if path.suffix not in {ext for _, ext in FORMATS}:
            self.query_one("#export-error", Label).update(
                f"Unknown extension {path.suffix or '(none)'}: use .json .md .xml .sarif"
            )
            return
        if path.is_dir():
            self.query_one("#export-error", Label).update(f"{path} is a directory.")
            return
        if path.exists():

            def answer(overwrite: bool | None) -> None:
                if overwrite:
                    self.dismiss(path)

            self.app.push_screen(Confirm(f"{path} exists. Overwrite it?", "Overwrite", "Keep it"), answer)
            return
        self.dismiss(path)
