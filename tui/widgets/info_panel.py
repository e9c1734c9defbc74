"""The selected validator's configuration, target, times, exit code, log path and history."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from validators.engine.durations import format_duration
from validators.engine.redact import shown_options
from validators.process.terminal_text import printable

from ..state import Clock, ValidatorState


class InfoPanel(Static):
    def show(self, state: ValidatorState, clock: Clock) -> None:
        # Every cell is a Text: config values and names are never parsed as markup.
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()

        def row(key: str, value: str | Text) -> None:
            table.add_row(Text(key), value if isinstance(value, Text) else Text(printable(value)))

        spec = state.spec
        row("validator", f"{spec.name} ({spec.kind})")
        row("from", spec.source)
        row("target", state.description or "")
        for key, value in shown_options(spec).items():
            if isinstance(value, dict):
                row(f"  {key}", ", ".join(f"{k} = {v}" for k, v in value.items()) or "(none)")
            else:
                row(f"  {key}", str(value))
        if spec.timeout_s:
            row("timeout", format_duration(spec.timeout_s))
        row("status", f"{state.status.value} (attempt {state.attempt})" if state.attempt else state.status.value)
        result = state.result
        if result is not None:
            if result.started_at:
                row("started", result.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
            if result.finished_at:
                row("finished", result.finished_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
            if result.exit_code is not None:
                row("exit code", str(result.exit_code))
            for label, text in result.details:
                if text.strip():  # a row with nothing to say is not shown blank
                    row(label, text)
        elapsed = state.elapsed_now(clock)
        if elapsed is not None:
            row("elapsed", format_duration(elapsed))
        row("log", str(state.log_path) if state.log_path else "(not started)")
        if state.previous is not None:
            row("previous run", f"{state.previous.status.value}: {state.previous.summary}")
            if state.change is not None:
                row("since then", state.change.describe(state.status) or "no change")
        else:
            row("previous run", Text("none recorded", style="dim"))
        self.update(table)
