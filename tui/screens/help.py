"""Every key, in one place."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = [
    (
        "Run",
        [
            ("r", "rerun the selected validator"),
            ("R", "rerun all"),
            ("f", "rerun the failed ones"),
            ("c", "cancel the selected validator"),
            ("C", "cancel all"),
        ],
    ),
    (
        "Move (anywhere)",
        [
            ("j / k", "next / previous validator"),
            ("↑ ↓", "in the list: validators; in the log: scroll; in findings: rows"),
            ("enter", "drill down into findings; on a finding: its detail"),
            ("tab / shift+tab", "list, then log or findings (the focused pane has a bright edge)"),
            ("1 2 3", "log, findings, info tabs"),
            ("b", "hide or show the validator list"),
            ("escape", "back"),
        ],
    ),
    (
        "Log",
        [
            ("/", "search; the line above the log shows match 3/6"),
            ("n / N", "next / previous match"),
            ("w", "wrap long lines"),
            ("t", "timestamps"),
            ("end", "follow new output (shown as ▼ following)"),
            ("home / ↑ / page up", "pause following (shown as ⏸ paused)"),
        ],
    ),
    (
        "Findings",
        [
            ("s", "sort by the next column (severity, rule, location, message)"),
            ("S", "reverse the order"),
        ],
    ),
    (
        "Other",
        [
            ("e", "export the run (JSON, Markdown, JUnit XML, SARIF)"),
            ("h", "past runs"),
            ("ctrl+p", "command palette: every action, rerun <validator>, screenshot"),
            ("?", "this help"),
            ("q / ctrl+q", "quit (asks while validators run: y stops them all, n keeps them)"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        # Two columns of sections, so that every key shows at once on a common terminal; on
        # a small one the dialog scrolls (the arrows, page keys).
        if self.app.size.width >= 130:
            columns = Table.grid(padding=(0, 4))
            columns.add_column(ratio=1)
            columns.add_column(ratio=1)
            columns.add_row(_sections(KEYS[:2]), _sections(KEYS[2:]))
        else:
            columns = _sections(KEYS)
        with VerticalScroll(classes="dialog help"):
            yield Static("[b]checkdeck keys[/b]   (escape to close; ↑ ↓ scroll)", classes="dialog-title")
            yield Static(columns)


def _sections(sections: list[tuple[str, list[tuple[str, str]]]]) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 2), expand=True)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(ratio=1)
    for section, keys in sections:
        table.add_row(f"[u]{section}[/u]", "")
        for key, what in keys:
            table.add_row(key, what)
        table.add_row("", "")
    return table
