"""A Markdown report for a pull-request comment or a CI step summary."""

from __future__ import annotations

from validators.engine.durations import format_duration
from validators.engine.model import RunSummary, Severity, Status
from validators.engine.wording import plural
from validators.process.terminal_text import printable

ICONS = {
    Status.PASSED: "✅",
    Status.FAILED: "❌",
    Status.ERROR: "💥",
    Status.CANCELLED: "⏹️",
    Status.SKIPPED: "⏭️",
    Status.RUNNING: "⏳",
    Status.PENDING: "⏸️",
}
MAX_FINDINGS = 50


def _cell(text: str) -> str:
    """Text from outside inside a table cell: no control sequences, no HTML, no cell breaks;
    a multi-line message keeps its lines."""
    clean = printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return clean.replace("|", "\\|").replace("\r", "").strip("\n").replace("\n", "<br>")


def _code(text: str) -> str:
    """An inline code span that survives backticks in the text."""
    clean = printable(text).replace("|", "\\|").replace("\n", " ")
    return f"`` {clean} ``" if "`" in clean else f"`{clean}`"


def render(summary: RunSummary) -> str:
    counts = ", ".join(f"{summary.count(s)} {s.value}" for s in Status if summary.count(s))
    out = [
        f"## checkdeck: {ICONS[summary.status]} {summary.status.value}",
        "",
        f"{counts} in {format_duration(summary.duration_s)}.",
        "",
        "| | Validator | Kind | Status | Time | Summary |",
        "|---|---|---|---|---|---|",
    ]
    for r in summary.results:
        out.append(
            f"| {ICONS[r.status]} | {_cell(r.name)} | {_cell(r.kind)} | {r.status.value} | "
            f"{format_duration(r.duration_s)} | {_cell(r.summary)} |"
        )
    for r in summary.results:
        if not r.findings:
            continue
        errors = sum(1 for f in r.findings if f.severity is Severity.ERROR)
        out += [
            "",
            f"<details{' open' if r.status.bad else ''}>",
            f"<summary><b>{_cell(r.name)}</b>: {plural(len(r.findings), 'finding')} ({plural(errors, 'error')})</summary>",
            "",
        ]
        out += ["| Severity | Rule | Location | Message |", "|---|---|---|---|"]
        for f in r.findings[:MAX_FINDINGS]:
            where = _code(f"{f.path}:{f.line}") if f.path and f.line else (_code(f.path) if f.path else "")
            message = _cell(f.message) + (f"<br>💡 {_cell(f.hint)}" if f.hint else "")
            out.append(f"| {f.severity.value} | {_code(f.rule)} | {where} | {message} |")
        if len(r.findings) > MAX_FINDINGS:
            out.append(f"\n…and {len(r.findings) - MAX_FINDINGS} more; see the JSON report.")
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
