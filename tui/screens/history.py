"""Past runs from .checkdeck/runs/, and one of them in full."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from validators.engine.model import Status
from validators.engine.store import past_runs, read_summary
from validators.process.terminal_text import printable


class HistoryScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,h", "dismiss", "Back")]

    def __init__(self, project_dir: Path) -> None:
        super().__init__()
        self.project_dir = project_dir
        self.runs = past_runs(project_dir)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog history"):
            yield Static(
                f"[b]Past runs[/b]  ({len(self.runs)} in .checkdeck/runs/; enter to open)", classes="dialog-title"
            )
            if not self.runs:
                yield Static(Text("No run has been recorded yet: each finished run is kept here.", style="dim"))
            table: DataTable[str] = DataTable(cursor_type="row", id="runs")
            yield table

    def on_mount(self) -> None:
        table = self.query_one("#runs", DataTable)
        table.add_columns("run", "status", "passed", "failed", "duration")
        for run in self.runs:
            summary = read_summary(run)
            if summary is None:
                table.add_row(run.name, "unreadable", "", "", "", key=str(run))
                continue
            passed = summary.count(Status.PASSED)
            failed = summary.count(Status.FAILED) + summary.count(Status.ERROR)
            table.add_row(
                run.name,
                summary.status.value,
                str(passed),
                str(failed),
                f"{summary.duration_s:.1f}s",
                key=str(run),
            )
        table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(RunScreen(Path(str(event.row_key.value))))


class RunScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Back")]

    def __init__(self, run_dir: Path) -> None:
        super().__init__()
        self.run_dir = run_dir

    def compose(self) -> ComposeResult:
        summary = read_summary(self.run_dir)
        status = summary.status.value if summary else "unreadable"
        table = Table(title=Text(f"run {self.run_dir.name}: {status}"), expand=True)
        for column in ("validator", "status", "summary", "findings"):
            table.add_column(column)
        results = summary.results if summary else ()
        for r in results:
            table.add_row(Text(printable(r.name)), r.status.value, Text(printable(r.summary)), str(len(r.findings)))
        with VerticalScroll(classes="dialog history"):
            yield Static(table)
            for r in results:
                for f in r.findings:
                    where = f"{f.path}:{f.line}" if f.line else (f.path or "")
                    first = f.message.splitlines()[0] if f.message else ""
                    yield Static(Text(printable(f"{r.name}: {f.severity.value} {f.rule} {where}: {first}")))
