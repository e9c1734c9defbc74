"""The findings of one validator as a sortable table; Enter opens a finding's detail."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from validators.engine.model import Finding
from validators.process.terminal_text import printable

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
COLUMNS = ("severity", "rule", "location", "message")


def location(f: Finding) -> str:
    if f.path and f.line:
        return f"{f.path}:{f.line}"
    return f.path or ""


class FindingsTable(DataTable[Text]):
    class Open(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.findings: list[Finding] = []
        self.sort_column = "severity"
        self.sort_reverse = False

    def on_mount(self) -> None:
        for column in COLUMNS:
            self.add_column(column, key=column)

    def show(self, findings: list[Finding]) -> None:
        if findings == self.findings and self.row_count == len(findings):
            return
        self.findings = list(findings)
        self.clear()
        for index, f in enumerate(self._sorted()):
            first = f.message.splitlines()[0] if f.message else ""
            self.add_row(
                Text(f.severity.value),
                Text(printable(f.rule)),
                Text(printable(location(f))),
                Text(printable(first)),
                key=str(index),
            )

    def _sorted(self) -> list[Finding]:
        def key(f: Finding) -> tuple[object, ...]:
            if self.sort_column == "severity":
                return (SEVERITY_ORDER[f.severity.value], f.path or "", f.line or 0)
            if self.sort_column == "rule":
                return (f.rule, f.path or "", f.line or 0)
            if self.sort_column == "location":
                return (f.path or "", f.line or 0)
            return (f.message,)

        ordered = sorted(self.findings, key=key, reverse=self.sort_reverse)
        self._order = ordered
        return ordered

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        self.sort_reverse = not self.sort_reverse if column == self.sort_column else False
        self.sort_column = column
        current = list(self.findings)
        self.findings = []
        self.show(current)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        index = int(str(event.row_key.value))
        self.post_message(self.Open(self._order[index]))
