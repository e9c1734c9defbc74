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
        "Move",
        [
            ("j / ↓", "next validator"),
            ("k / ↑", "previous validator"),
            ("enter", "drill down into findings"),
            ("escape", "back"),
            ("tab", "next pane"),
            ("1 2 3", "log, findings, info tabs"),
        ],
    ),
    (
        "Log",
        [
            ("/", "search"),
            ("n / N", "next / previous match"),
            ("w", "wrap long lines"),
            ("t", "timestamps"),
            ("end", "follow new output"),
            ("home", "top"),
        ],
    ),
    (
        "Other",
        [
            ("e", "export the run (JSON, Markdown, JUnit XML, SARIF)"),
            ("h", "past runs"),
            ("ctrl+p", "command palette: every action, rerun <validator>"),
            ("?", "this help"),
            ("q / ctrl+q", "quit (asks while validators run; stops them all)"),
        ],
    ),
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2))
        table.add_column(style="bold $accent" if False else "bold")
        table.add_column()
        for section, keys in KEYS:
            table.add_row(f"[u]{section}[/u]", "")
            for key, what in keys:
                table.add_row(key, what)
            table.add_row("", "")
        with VerticalScroll(classes="dialog help"):
            yield Static("[b]checkdeck keys[/b]   (escape to close)", classes="dialog-title")
            yield Static(table)
