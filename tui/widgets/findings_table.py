"""The findings of one validator as a sortable table; Enter opens a finding's detail."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from validators.engine.model import Finding
from validators.process.terminal_text import printable

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
COLUMNS = ("severity", "rule", "location", "message")


def location(f: Finding) -> str:
    if f.path and f.line and f.column:
        return f"{f.path}:{f.line}:{f.column}"
    if f.path and f.line:
        return f"{f.path}:{f.line}"
    return f.path or ""


class FindingsTable(DataTable[Text]):
    """Enter opens a finding; s sorts by the next column, S reverses (or click a header)."""

    BINDINGS = [
        Binding("s", "sort_next", "Sort"),
        Binding("S", "sort_reverse", "Reverse", show=False),
    ]

    class Open(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.findings: list[Finding] = []
        self.sort_column = "severity"
        self.sort_reverse = False
        # Under a header row per rule with its count (a codebase's rules can have thousands of
        # findings; the groups say at a glance which rule they come from).
        self.grouped = False
        self._rows = 0

    def show(self, findings: list[Finding], grouped: bool | None = None) -> None:
        regroup = grouped is not None and grouped != self.grouped
        if grouped is not None:
            self.grouped = grouped
        if not regroup and findings == self.findings and self._rows == len(findings):
            return
        self.findings = list(findings)
        # Columns too: their labels show the order (▲ ▼).
        self.clear(columns=True)
        for column in COLUMNS:
            mark = (" ▼" if self.sort_reverse else " ▲") if column == self.sort_column else ""
            self.add_column(column + mark, key=column)
        ordered = self._sorted()
        counts: dict[str, int] = {}
        worst: dict[str, int] = {}  # each rule's most severe finding orders the groups
        if self.grouped:
            for f in ordered:
                counts[f.rule] = counts.get(f.rule, 0) + 1
                worst[f.rule] = min(worst.get(f.rule, 9), SEVERITY_ORDER[f.severity.value])
            groups = sorted(counts, key=lambda rule: (worst[rule], -counts[rule], rule))
            position = {rule: n for n, rule in enumerate(groups)}
            ordered = sorted(ordered, key=lambda f: position[f.rule])  # stable: the sort holds within a group
            self._order = ordered
        current = None
        for index, f in enumerate(ordered):
            if self.grouped and f.rule != current:
                current = f.rule
                label = Text(f"{printable(f.rule)} · {counts[f.rule]}", style="bold")
                self.add_row(Text("▾", style="bold"), label, Text(""), Text(""), key=f"group:{index}")
            first = f.message.splitlines()[0] if f.message else ""
            self.add_row(
                Text(f.severity.value),
                Text(printable(f.rule)),
                Text(printable(location(f))),
                Text(printable(first)),
                key=str(index),
            )
        self._rows = len(findings)

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
        self.sort_by(column, not self.sort_reverse if column == self.sort_column else False)

    def action_sort_next(self) -> None:
        self.sort_by(COLUMNS[(COLUMNS.index(self.sort_column) + 1) % len(COLUMNS)], False)

    def action_sort_reverse(self) -> None:
        self.sort_by(self.sort_column, not self.sort_reverse)

    def sort_by(self, column: str, reverse: bool) -> None:
        self.sort_column, self.sort_reverse = column, reverse
        current = list(self.findings)
        self.findings = []
        self.show(current)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if str(event.row_key.value).startswith("group:"):
            return  # a rule's header row
        index = int(str(event.row_key.value))
        self.post_message(self.Open(self._order[index]))
