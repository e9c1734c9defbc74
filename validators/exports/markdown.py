"""A Markdown report for a pull-request comment or a CI step summary."""

from __future__ import annotations

from validators.engine.durations import format_duration
from validators.engine.model import RunSummary, Severity, Status

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
    return text.replace("|", "\\|").replace("\n", " ")


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
            f"| {ICONS[r.status]} | {_cell(r.name)} | {r.kind} | {r.status.value} | "
            f"{format_duration(r.duration_s)} | {_cell(r.summary)} |"
        )
    for r in summary.results:
        if not r.findings:
            continue
        errors = sum(1 for f in r.findings if f.severity is Severity.ERROR)
        out += [
            "",
            f"<details{' open' if r.status.bad else ''}>",
            f"<summary><b>{_cell(r.name)}</b>: {len(r.findings)} findings ({errors} errors)</summary>",
            "",
        ]
        out += ["| Severity | Rule | Location | Message |", "|---|---|---|---|"]
        for f in r.findings[:MAX_FINDINGS]:
            where = f"`{f.path}:{f.line}`" if f.path and f.line else (f"`{f.path}`" if f.path else "")
            message = _cell(f.message) + (f"<br>💡 {_cell(f.hint)}" if f.hint else "")
            out.append(f"| {f.severity.value} | `{f.rule}` | {where} | {message} |")
        if len(r.findings) > MAX_FINDINGS:
            out.append(f"\n…and {len(r.findings) - MAX_FINDINGS} more; see the JSON report.")
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
