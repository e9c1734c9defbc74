"""One finding in full, with the source lines around it when the file exists."""

from __future__ import annotations

from pathlib import Path

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from validators.engine.model import Finding
from validators.process.terminal_text import printable

CONTEXT_LINES = 6


def source_excerpt(project_dir: Path, finding: Finding) -> Syntax | Text:
    if not finding.path:
        return Text("(no file)", style="dim")
    path = project_dir / finding.path
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return Text(printable(f"{finding.path} cannot be read here"), style="dim")
    if not finding.line:
        start, end = 1, min(len(lines), 2 * CONTEXT_LINES)
    else:
        start = max(1, finding.line - CONTEXT_LINES)
        end = min(len(lines), finding.line + CONTEXT_LINES)
    code = "\n".join(lines[start - 1 : end])
    lexer = Syntax.guess_lexer(str(path), code)
    return Syntax(
        code,
        lexer,
        line_numbers=True,
        start_line=start,
        highlight_lines={finding.line} if finding.line else set(),
        word_wrap=True,
    )


class FindingDetail(ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "dismiss", "Back")]

    def __init__(self, finding: Finding, project_dir: Path) -> None:
        super().__init__()
        self.finding = finding
        self.project_dir = project_dir

    def compose(self) -> ComposeResult:
        f = self.finding
        where = f"{f.path}:{f.line}" if f.path and f.line else (f.path or "")
        with VerticalScroll(classes="dialog detail"):
            yield Static(
                Text(" · ").join([Text(f.severity.value, "bold"), Text(printable(f.rule)), Text(printable(where))]),
                classes="dialog-title",
            )
            yield Static(Text(printable(f.message)))
            if f.hint:
                yield Static(Text(printable(f"fix: {f.hint}"), style="bold"), classes="hint")
            yield Static(source_excerpt(self.project_dir, f), classes="source")
