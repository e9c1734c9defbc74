"""The selected validator's configuration, target, times, exit code, log path and history."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from validators.engine.durations import format_duration

from ..state import Clock, ValidatorState


class InfoPanel(Static):
    def show(self, state: ValidatorState, clock: Clock) -> None:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column()
        spec = state.spec
        table.add_row("validator", f"{spec.name} ({spec.kind})")
        table.add_row("from", spec.source)
        table.add_row("target", state.description or "")
        for key, value in spec.options.items():
            table.add_row(f"  {key}", str(value))
        if spec.timeout_s:
            table.add_row("timeout", format_duration(spec.timeout_s))
        table.add_row(
            "status", f"{state.status.value} (attempt {state.attempt})" if state.attempt else state.status.value
        )
        result = state.result
        if result is not None:
            if result.started_at:
                table.add_row("started", result.started_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
            if result.finished_at:
                table.add_row("finished", result.finished_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
            table.add_row("exit code", "" if result.exit_code is None else str(result.exit_code))
        elapsed = state.elapsed_now(clock)
        if elapsed is not None:
            table.add_row("elapsed", format_duration(elapsed))
        table.add_row("log", str(state.log_path) if state.log_path else "(not started)")
        if state.previous is not None:
            table.add_row("previous run", Text(f"{state.previous.status.value}: {state.previous.summary}"))
            if state.change is not None:
                table.add_row("since then", state.change.describe(state.status) or "no change")
        else:
            table.add_row("previous run", Text("none recorded", style="dim"))
        self.update(table)
