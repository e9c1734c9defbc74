"""Past runs from .checkdeck/runs/, and one of them in full."""

from __future__ import annotations

import json
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from validators.run_store import SUMMARY_NAME, past_runs


def load_summary(run_dir: Path) -> dict[str, object] | None:
    try:
        data = json.loads((run_dir / SUMMARY_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


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
            data = load_summary(run) or {}
            validators = data.get("validators", [])
            assert isinstance(validators, list)
            passed = sum(1 for v in validators if isinstance(v, dict) and v.get("status") == "passed")
            failed = sum(1 for v in validators if isinstance(v, dict) and v.get("status") in ("failed", "error"))
            table.add_row(
                run.name,
                str(data.get("status", "?")),
                str(passed),
                str(failed),
                f"{float(str(data.get('duration_s', 0) or 0)):.1f}s",
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
        data = load_summary(self.run_dir) or {}
        table = Table(title=f"run {self.run_dir.name}: {data.get('status', '?')}", expand=True)
        for column in ("validator", "status", "summary", "findings"):
            table.add_column(column)
        validators = data.get("validators", [])
        assert isinstance(validators, list)
        for v in validators:
            if isinstance(v, dict):
                findings = v.get("findings", [])
                table.add_row(
                    str(v.get("name")),
                    str(v.get("status")),
                    str(v.get("summary", "")),
                    str(len(findings) if isinstance(findings, list) else 0),
                )
        with VerticalScroll(classes="dialog history"):
            yield Static(table)
            for v in validators:
                if isinstance(v, dict):
                    for f in v.get("findings", []) or []:
                        if isinstance(f, dict):
                            where = f"{f.get('path')}:{f.get('line')}" if f.get("line") else str(f.get("path") or "")
                            yield Static(
                                Text(
                                    f"{v.get('name')}: {f.get('severity')} {f.get('rule')} {where}: "
                                    f"{str(f.get('message', '')).splitlines()[0] if f.get('message') else ''}"
                                )
                            )
