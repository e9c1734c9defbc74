"""The Textual app: runs the validators, shows each one live, drills into failures, reruns."""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import threading
import time
from collections import deque
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Input, Label, TabbedContent, TabPane, Tabs

from validators.engine.model import (
    Config,
    Event,
    FindingReported,
    LogBatch,
    Progress,
    RunSummary,
    Status,
    StatusChanged,
)
from validators.engine.redact import redact, secret_values
from validators.engine.registry import create
from validators.engine.runner import DEFAULT_TIMEOUT_S, Runner, overall_status
from validators.engine.runner_thread import RunnerThread
from validators.engine.store import past_runs, read_summary, write_summary
from validators.engine.wording import plural
from validators.exports import export
from validators.process.terminal_text import printable
from validators.services.pool import ServicePool

from .exit_codes import EXIT_OK, exit_status, outcome_counts
from .screens.confirm import Confirm
from .screens.export import ExportScreen
from .screens.finding_detail import FindingDetail
from .screens.help import HelpScreen
from .screens.history import HistoryScreen
from .state import LOG_WINDOW, Clock, ValidatorState, monotonic, totals
from .watch import OwnWrites, affected
from .widgets.findings_table import FindingsTable
from .widgets.info_panel import InfoPanel
from .widgets.log_view import LogView
from .widgets.run_header import RunHeader
from .widgets.validator_list import ValidatorList, ValidatorPane

LONG_RUN_S = 10.0  # a run that took longer than this ends with a notification
INBOX_LIMIT = 64  # runner events waiting for the UI before the runner is made to wait
SLICE_S = 0.006  # time the UI spends taking in events per turn of its loop
TAKE = 8  # events taken out of the inbox at a time
LOG_REFRESH_S = 0.1  # new output reaches the screen this often
# New findings reach the table this often: the table is rebuilt to keep its order, and a
# rebuild per finding is quadratic when a validator reports thousands at once.
FINDINGS_REFRESH_S = 0.2
INPUT_PRIORITY_S = 0.08  # after a key, the runner hands nothing over for this long


_frozen = False


class EventsReady(Message):
    """Runner events are waiting in the app's inbox. At most one of these is queued at a time,
    so a flood of output never stands between a key press and its handler."""


def display_path(path: Path) -> str:
    try:
        rel = path.relative_to(Path.cwd())
        return "." if str(rel) == "." else rel.as_posix()
    except ValueError:
        home = Path.home()
        return "~/" + path.relative_to(home).as_posix() if path.is_relative_to(home) else str(path)


class CheckdeckApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "checkdeck"
    # The footer shows the essentials, in the order a newcomer needs them, short enough for
    # 80 columns; every key is in `?` and in the palette.
    BINDINGS = [
        Binding("r", "rerun", "Rerun"),
        Binding("f", "rerun_failed", "Failed"),
        Binding("c", "cancel", "Cancel"),
        Binding("slash", "search", "Search"),
        Binding("e", "export", "Export"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("R", "rerun_all", "Rerun all", show=False),
        Binding("C", "cancel_all", "Cancel all", show=False),
        Binding("n", "next_match", "Next match", show=False),
        Binding("N", "previous_match", "Prev match", show=False),
        Binding("w", "toggle_wrap", "Wrap", show=False),
        Binding("t", "toggle_timestamps", "Times", show=False),
        Binding("h", "history", "History", show=False),
        Binding("b", "toggle_list", "List", show=False),
        Binding("j", "select(1)", "Next validator", show=False),
        Binding("k", "select(-1)", "Previous validator", show=False),
        Binding("escape", "back", "Back", show=False),
        Binding("1", "tab('log')", "Log", show=False),
        Binding("2", "tab('findings')", "Findings", show=False),
        Binding("3", "tab('info')", "Info", show=False),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (140, "-wide")]

    def __init__(
        self,
        config: Config,
        *,
        watch: bool = False,
        concurrency: int | None = None,
        clock: Clock = monotonic,
        log_window: int = LOG_WINDOW,
        autostart: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.watching = watch
        self.concurrency = concurrency
        self.clock = clock
        self.autostart = autostart
        self.runner: RunnerThread | None = None
        self._inbox: deque[Event] = deque()
        self._inbox_lock = threading.Lock()
        self._posted = False  # an EventsReady is queued
        self._runner_waits = False  # the inbox was full: the runner waits for room
        self._new_logs: dict[str, list[LogBatch]] = {}
        self._logs_timer = False
        self._findings_timer = False
        self._paused_at: int | None = None  # log lines when the view stopped following
        self.states = {spec.name: ValidatorState(spec) for spec in config.validators}
        for state in self.states.values():
            state.log.limit = log_window
            state.log.lines = type(state.log.lines)(maxlen=log_window)
        self.selected: str | None = next(iter(self.states), None)
        self.finished_at: float | None = None
        self.own_writes = OwnWrites()
        self.run_started = clock()
        self._describe()
        self._load_previous_run()

    # Set-up

    def _describe(self) -> None:
        for state in self.states.values():
            try:
                described = create(state.spec, self.config.project_dir).describe()
                state.description = redact(described, secret_values(state.spec))
            except Exception as exc:
                state.description = f"cannot describe: {exc}"

    def _load_previous_run(self) -> None:
        runs = past_runs(self.config.project_dir)
        previous = read_summary(runs[0]) if runs else None
        if previous is None:
            return
        by_name = {r.name: r for r in previous.results}
        for name, state in self.states.items():
            state.previous = by_name.get(name)

    def compose(self) -> ComposeResult:
        yield RunHeader(id="run-header")
        with Horizontal(id="main"):
            if self.states:
                yield ValidatorList(*[ValidatorPane(s, self.clock) for s in self.states.values()], id="validators")
            else:
                yield Label(
                    "No validators configured or detected here.\n\nWrite a checkdeck.toml (see README), "
                    "or run `checkdeck init` to start from what checkdeck detects.",
                    id="empty",
                )
            with Vertical(id="detail"):
                yield Label("", id="detail-title")
                with TabbedContent(id="tabs", initial="log"):
                    with TabPane("Log", id="log"):
                        yield Label("", id="log-notice")
                        yield LogView(id="log-view")
                        yield Input(placeholder="search the log (enter to find, escape to close)", id="search")
                    with TabPane("Findings", id="findings"):
                        yield Label("No findings.", id="findings-empty")
                        yield FindingsTable(id="findings-table")
                    with TabPane("Info", id="info"):
                        yield InfoPanel(id="info-panel")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        global _frozen
        if not _frozen:
            # Everything loaded so far (Textual, Rich, checkdeck) lives as long as the process:
            # out of the collector's sight, a full collection during a flood of output takes
            # milliseconds instead of the ~75 ms it took with them, which stood between a key
            # and its frame.
            gc.freeze()
            _frozen = True
        self.main.query_one("#search", Input).display = False
        # Tab moves between the list and what is in the tab, never onto the tab strip, where
        # the keys people press (up, home, end) do nothing; 1 2 3 switch tabs.
        self.main.query_one(TabbedContent).query_one(Tabs).can_focus = False
        self.set_interval(1.0, self._tick)
        self._refresh_header()
        if self.states:
            self.main.query_one(ValidatorList).focus()
            self._show_detail()
            self.run_engine()
            if self.watching:
                self.watch_files()

    # The engine: a runner on its own loop in its own thread for the app's lifetime, so that
    # reading pipes and scanning process trees never stand between a key and its handler.

    def run_engine(self) -> None:
        engine = RunnerThread(
            lambda: Runner(
                self.config.validators,
                project_dir=self.config.project_dir,
                factory=create,
                concurrency=self.concurrency or self.config.concurrency,
                default_timeout_s=self.config.timeout_s or DEFAULT_TIMEOUT_S,
                clock=self.clock,
                services=ServicePool(self.config.services, self.config.project_dir),
            ),
            self._deliver,
        )
        try:
            engine.begin(autostart=self.autostart)
        except Exception as exc:
            self.notify(f"the runner could not start: {exc}", severity="error", markup=False, timeout=30)
            return
        self.runner = engine

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.MouseScrollUp, events.MouseScrollDown)):
            # Input first: output waits a moment while the key is handled and painted.
            if self.runner is not None:
                self.runner.yield_to_caller(INPUT_PRIORITY_S)
        await super().on_event(event)

    def _deliver(self, event: Event) -> bool:
        """In the runner's thread: keep the event for the UI; False asks the runner to wait."""
        with self._inbox_lock:
            self._inbox.append(event)
            if not self._posted:
                self._posted = True
                self.post_message(EventsReady())
            if len(self._inbox) >= INBOX_LIMIT:
                self._runner_waits = True
                return False
            return True

    @work(exclusive=True, group="watch", exit_on_error=False)
    async def watch_files(self) -> None:
        from watchfiles import awatch

        async for changes in awatch(self.config.project_dir, recursive=True):
            names = affected(
                self.config.validators, self.config.project_dir, [path for _, path in changes], self.own_writes
            )
            if names and self.runner is not None:
                self.notify(f"changed files: rerunning {', '.join(names)}", timeout=3)
                self.runner.start(names)

    @property
    def main(self) -> Screen[object]:
        """The screen with the panes, whatever modal screen is on top of it: runner events
        update its widgets while help, export or a finding is open."""
        return self.screen_stack[0]

    def _has_views(self) -> bool:
        """False while the app is shutting down and its widgets are gone."""
        try:
            return self.is_running and bool(self.main.query(RunHeader))
        except Exception:  # no screen left at all: certainly no views
            return False

    @on(EventsReady)
    def _on_events(self) -> None:
        if not self._has_views():
            with self._inbox_lock:
                self._inbox.clear()
                self._posted = False
                wake, self._runner_waits = self._runner_waits, False
            if wake and self.runner is not None:
                self.runner.room()
            return
        # A few milliseconds of events per turn, so that keys queued meanwhile are handled
        # between turns rather than after the whole backlog.
        deadline = time.perf_counter() + SLICE_S
        while True:
            with self._inbox_lock:
                events = [self._inbox.popleft() for _ in range(min(TAKE, len(self._inbox)))]
            for event in events:
                self._apply(event)
            if not events or time.perf_counter() > deadline:
                break
        if self._new_logs and not self._logs_timer:
            # New output is shown at most LOG_REFRESH_S apart: a frame costs the UI loop
            # milliseconds, and a frame per turn during a flood would leave keys waiting.
            self._logs_timer = True
            self.set_timer(LOG_REFRESH_S, self._show_new_logs)
        with self._inbox_lock:
            if self._inbox:
                self.post_message(EventsReady())
            else:
                self._posted = False
            wake = self._runner_waits and len(self._inbox) < INBOX_LIMIT
            if wake:
                self._runner_waits = False
        if wake and self.runner is not None:
            self.runner.room()

    def _apply(self, event: Event) -> None:
        if isinstance(event, LogBatch):
            self._on_log(event)
        elif isinstance(event, StatusChanged):
            self._on_status(event)
        elif isinstance(event, FindingReported):
            state = self.states[event.name]
            if event.attempt == state.attempt:
                state.findings.append(event.finding)
                self._update_pane(event.name)
                if event.name == self.selected and not self._findings_timer:
                    self._findings_timer = True
                    self.set_timer(FINDINGS_REFRESH_S, self._show_new_findings)
        elif isinstance(event, Progress):
            state = self.states[event.name]
            if event.attempt == state.attempt:
                state.progress = (event.done, event.total, event.label)
                state.progress_text = event.text
                self._update_pane(event.name)

    def _on_log(self, event: LogBatch) -> None:
        if event.name not in self.states:
            return  # a service's output: in its log file under the run's folder
        # Kept until the end of the turn: the window then takes in only what it keeps.
        if event.attempt == self.states[event.name].attempt:
            self._new_logs.setdefault(event.name, []).append(event)

    def _show_new_logs(self, only: str | None = None) -> None:
        """Let the windows take in the batches kept since the last refresh (only this
        validator's, when given), and show the selected one's."""
        if only is None:
            self._logs_timer = False
        if not self._has_views():
            self._new_logs = {}
            return
        for name in [only] if only is not None else list(self._new_logs):
            state = self.states[name]
            current = [b for b in self._new_logs.pop(name, []) if b.attempt == state.attempt]
            if current:
                dropped, widest = state.log.extend(current)
                if name == self.selected:
                    self.main.query_one(LogView).lines_added(dropped, widest)
                    self._log_notice(state)

    def _on_status(self, event: StatusChanged) -> None:
        state = self.states[event.name]
        if event.result is not None and self._new_logs.get(event.name):
            # An attempt that has ended shows all its output with its result, not 100 ms later.
            self._show_new_logs(only=event.name)
        if event.attempt < state.attempt:
            return  # a late event of an attempt that was replaced
        if event.attempt > state.attempt:
            # A new attempt starts clean; the previous attempt's result becomes the comparison.
            state.attempt = event.attempt
            state.findings = []
            state.progress = None
            state.progress_text = ""
            state.summary = ""
            state.result = None
            state.change = None
            state.elapsed = None
            state.started = None
            state.log.clear()
            if event.name == self.selected:
                self._show_detail()
            if self.finished_at is not None:
                self.finished_at = None
                self.run_started = self.clock()
        state.status = event.status
        if event.status is Status.RUNNING:
            state.started = self.clock()
        if event.result is not None:
            result = event.result
            state.result = result
            state.summary = result.summary
            state.findings = list(result.findings)
            state.log_path = result.log_path
            # One duration per attempt: the runner's, which the reports carry too.
            state.elapsed = result.duration_s
            before: bool | None = None  # was it bad before: the previous attempt, else the previous run
            if state.last_final is not None:
                before = state.last_final.bad
            elif state.previous is not None:
                before = state.previous.status.bad
            if result.status is not Status.CANCELLED:
                flipped = before is not None and before != result.status.bad
                state.last_final = result.status
            else:
                flipped = False
            state.compare()
            if flipped:
                self.notify(
                    f"{state.name}: {result.status.value}  {result.summary}",
                    severity="error" if result.status.bad else "information",
                    timeout=5,
                )
            self._run_maybe_finished()
        elif event.status is Status.RUNNING and self.runner is not None:
            state.log_path = self.runner.log_path(event.name, event.attempt)
        self._update_pane(event.name)
        if event.name == self.selected:
            self._show_detail(reset_log=False)
            self._log_notice(state)
        self._refresh_header()

    def _run_maybe_finished(self) -> None:
        if self.runner is None or any(self.runner.is_running(n) for n in self.states):
            return
        if any(s.status in (Status.PENDING, Status.RUNNING) for s in self.states.values()):
            return
        self.finished_at = self.clock()
        summary = self.runner.summary()
        self._write_summary(summary)
        duration = self.finished_at - self.run_started
        if duration >= LONG_RUN_S:
            self.notify(
                f"run finished in {duration:.0f}s: {outcome_counts(summary)}",
                severity="error" if exit_status(summary.status) != EXIT_OK else "information",
                timeout=8,
            )

    @work(thread=True, group="io")
    def _write_summary(self, summary: RunSummary) -> None:
        try:
            write_summary(summary)
        except OSError as exc:
            self.call_from_thread(
                self.notify, f"could not write summary.json: {exc.strerror or exc}", severity="error", markup=False
            )

    # Views

    def _tick(self) -> None:
        if not self._has_views():
            return
        for pane in self.main.query(ValidatorPane):
            pane.tick()
        self._refresh_header()

    def _refresh_header(self) -> None:
        end = self.finished_at if self.finished_at is not None else self.clock()
        self.main.query_one(RunHeader).show(
            totals(self.states.values()), end - self.run_started, display_path(self.config.project_dir), self.watching
        )

    def _update_pane(self, name: str) -> None:
        validators = self.main.query(ValidatorList)
        if validators:
            pane = validators.first().pane(name)
            if pane is not None:
                pane.update_view()

    def _show_detail(self, reset_log: bool = True) -> None:
        if self.selected is None:
            return
        state = self.states[self.selected]
        self.main.query_one("#detail-title", Label).update(
            Text(" · ").join(
                [
                    Text(printable(state.name), "bold"),
                    Text(state.spec.kind),
                    Text(state.status.value, "bold"),
                    Text(printable(state.description), "dim"),
                ]
            ),
            layout=False,  # one row, whatever it says
        )
        if reset_log:
            self.main.query_one(LogView).set_source(state.log.lines, state.log.widest)
            self._log_notice(state)
        self._show_findings(state)
        self._show_info(state)

    def _show_info(self, state: ValidatorState) -> None:
        # Only while its tab shows: filling it means a layout of the whole screen, which a
        # key press that moves to another validator should not pay for a hidden tab.
        if self.main.query_one(TabbedContent).active == "info":
            self.main.query_one(InfoPanel).show(state, self.clock)

    @on(TabbedContent.TabActivated)
    def _on_tab(self, event: TabbedContent.TabActivated) -> None:
        if self.selected is not None:
            self._show_info(self.states[self.selected])

    def _log_notice(self, state: ValidatorState) -> None:
        """The line above the log: follow state, lines only on disk, the current match."""
        notice = self.main.query_one("#log-notice", Label)
        view = self.main.query_one(LogView)
        if not state.log.lines:
            text = Text(
                "No output yet." if state.status.finished or state.status is Status.RUNNING else "Waiting to start."
            )
        else:
            parts: list[Text] = []
            if view.follow:
                parts.append(Text("▼ following" if state.status is Status.RUNNING else "▼ at the end", "dim"))
            else:
                new = state.log.total - self._paused_at if self._paused_at is not None else 0
                more = f", {plural(new, 'new line')} below" if new > 0 else ""
                parts.append(Text(f"⏸ paused{more}: End follows", "bold"))
            if view.query_text:
                count = len(view.matches)
                current = f"{view.current_match + 1}/{count}" if count else "no match"
                parts.append(Text(f"/{printable(view.query_text)}: {current} (n/N)"))
            if view.wrap:
                parts.append(Text("wrap", "dim"))
            if state.log.dropped:
                parts.append(Text(f"{state.log.dropped} older lines only on disk: {state.log_path}", "dim"))
            text = Text("  ·  ").join(parts)
        if not notice.display:
            notice.display = True
        notice.update(text, layout=False)

    def _show_new_findings(self) -> None:
        self._findings_timer = False
        if self._has_views() and self.selected in self.states:
            self._show_findings(self.states[self.selected])

    def _show_findings(self, state: ValidatorState) -> None:
        table = self.main.query_one(FindingsTable)
        table.show(state.findings, grouped=state.spec.kind == "architecture")
        empty = self.main.query_one("#findings-empty", Label)
        # Display flags set only when they change: each change is a layout of the screen.
        if table.display != bool(state.findings):
            table.display = bool(state.findings)  # no empty header under "No findings."
        if empty.display != (not state.findings):
            empty.display = not state.findings
        empty.update("No findings." if state.status.finished else "No findings yet.", layout=False)

    @on(ValidatorList.Highlighted)
    def _on_highlight(self, event: ValidatorList.Highlighted) -> None:
        if isinstance(event.item, ValidatorPane) and event.item.state.name != self.selected:
            self.selected = event.item.state.name
            self._show_detail()

    @on(ValidatorList.Selected)
    def _on_select(self, event: ValidatorList.Selected) -> None:
        self.main.query_one(TabbedContent).active = "findings"
        self.main.query_one(FindingsTable).focus()

    @on(FindingsTable.Open)
    def _on_open_finding(self, event: FindingsTable.Open) -> None:
        self.push_screen(FindingDetail(event.finding, self.config.project_dir))

    @on(LogView.FollowChanged)
    def _on_follow(self, event: LogView.FollowChanged) -> None:
        if self.selected is not None:
            state = self.states[self.selected]
            self._paused_at = None if event.following else state.log.total
            self._log_notice(state)

    # Actions

    def _names(self, names: Iterable[str] | None) -> None:
        if self.runner is None:
            self.notify("The runner is still starting.", severity="warning")
            return
        chosen = list(names) if names is not None else None
        if chosen == []:
            self.notify("Nothing to rerun.", timeout=2)
            return
        self.runner.start(chosen)

    def action_rerun(self) -> None:
        if self.selected:
            self._names([self.selected])

    def action_rerun_all(self) -> None:
        self._names(None)

    def action_rerun_failed(self) -> None:
        self._names([n for n, s in self.states.items() if s.status.bad])

    def _active(self) -> list[str]:
        return [n for n, s in self.states.items() if s.status in (Status.RUNNING, Status.PENDING)]

    def action_cancel(self) -> None:
        if self.runner is None or self.selected is None:
            return
        if self.selected not in self._active():
            self.notify(f"{printable(self.selected)} is not running.", timeout=2, markup=False)
            return
        self.runner.cancel(self.selected)
        self.notify(f"cancelling {printable(self.selected)}", timeout=2, markup=False)

    def action_cancel_all(self) -> None:
        active = self._active()
        if self.runner is None:
            return
        if not active:
            self.notify("Nothing is running.", timeout=2)
            return
        self.runner.cancel_all()
        self.notify(f"cancelling {plural(len(active), 'validator')}", timeout=2)

    def action_select(self, step: int) -> None:
        """j/k move through the validators wherever the focus is."""
        lists = self.main.query(ValidatorList)
        if not lists:
            return
        validators = lists.first()
        panes = validators.panes()
        if panes:
            current = validators.index if validators.index is not None else 0
            validators.index = max(0, min(len(panes) - 1, current + step))
            # Shown now, not once the list's message has made its way back to the app.
            name = panes[validators.index].state.name
            if name != self.selected:
                self.selected = name
                self._show_detail()

    def action_toggle_list(self) -> None:
        lists = self.main.query(ValidatorList)
        if not lists:
            return
        validators = lists.first()
        validators.display = not validators.display
        if not validators.display:
            self.main.query_one(LogView).focus()
        else:
            validators.focus()

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """Saved under the project's .checkdeck/, which exists wherever checkdeck ran (the
        default, ~/Downloads, often does not); the notification says where."""
        folder = self.config.project_dir / ".checkdeck" / "screenshots"
        name = filename or f"checkdeck-{time.strftime('%Y%m%dT%H%M%S')}.svg"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / name
            self.own_writes.add(target)
            target.write_text(self.export_screenshot(), encoding="utf-8")
        except OSError as exc:
            self.notify(f"could not save the screenshot: {exc.strerror or exc}", severity="error", markup=False)
            return
        self.notify(f"screenshot saved: {display_path(target)}", timeout=6, markup=False)

    def action_toggle_wrap(self) -> None:
        view = self.main.query_one(LogView)
        view.wrap = not view.wrap
        self._notice_selected()
        self.notify(f"wrap {'on' if view.wrap else 'off'}", timeout=1.5)

    def action_toggle_timestamps(self) -> None:
        view = self.main.query_one(LogView)
        view.timestamps = not view.timestamps

    def action_tab(self, tab: str) -> None:
        self.main.query_one(TabbedContent).active = tab

    def action_search(self) -> None:
        self.main.query_one(TabbedContent).active = "log"
        search = self.main.query_one("#search", Input)
        search.display = True
        search.focus()

    @on(Input.Submitted, "#search")
    def _on_search(self, event: Input.Submitted) -> None:
        count = self.main.query_one(LogView).search(event.value)
        self._notice_selected()
        self.notify(f"{plural(count, 'matching line')} in the window" if event.value else "search cleared", timeout=2)
        self.main.query_one(LogView).focus()

    def action_next_match(self) -> None:
        self.main.query_one(LogView).next_match(1)
        self._notice_selected()

    def action_previous_match(self) -> None:
        self.main.query_one(LogView).next_match(-1)
        self._notice_selected()

    def _notice_selected(self) -> None:
        if self.selected is not None:
            self._log_notice(self.states[self.selected])

    async def action_back(self) -> None:
        search = self.main.query_one("#search", Input)
        if search.display:
            search.display = False
            self.main.query_one(LogView).focus()
            return
        lists = self.main.query(ValidatorList)
        if lists:
            lists.first().focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_history(self) -> None:
        self.push_screen(HistoryScreen(self.config.project_dir))

    def action_export(self) -> None:
        if self.runner is None:
            return
        self.push_screen(ExportScreen(self.config.project_dir), self._export_to)

    def _export_to(self, path: Path | None) -> None:
        if path is None or self.runner is None:
            return
        summary = self.runner.summary()
        self.own_writes.add(path)
        try:
            export(summary, path)
        except OSError as exc:
            self.notify(f"export failed: {exc}", severity="error")
            return
        self.notify(f"wrote {path}", timeout=4)

    async def action_quit(self) -> None:
        running = self._active()
        if running and self.runner is not None:

            def answer(stop: bool | None) -> None:
                if stop:
                    self.run_worker(self._stop_and_exit(), exclusive=True, group="quit")

            self.push_screen(
                Confirm(
                    f"{plural(len(running), 'validator')} still running. Stop them and quit?",
                    "Stop and quit",
                    "Keep running",
                ),
                answer,
            )
            return
        await self._stop_and_exit()

    async def _stop_and_exit(self) -> None:
        statuses = [s.status for s in self.states.values()]
        if self.runner is not None:
            # The UI takes in nothing more: waiting in this handler, it could not.
            self.runner.detach()
            await self.runner.stop()
            if self.runner.final is not None:
                for result in self.runner.final.results:
                    # What the UI no longer took in: its states end as the run did.
                    state = self.states[result.name]
                    if result.attempt >= state.attempt:
                        state.status, state.result, state.summary = result.status, result, result.summary
                statuses = [r.status for r in self.runner.final.results]
                if any(status.finished for status in statuses):
                    with contextlib.suppress(OSError):  # the run's logs are there regardless
                        write_summary(self.runner.final)
        code = exit_status(overall_status(statuses)) if any(s.finished for s in statuses) else EXIT_OK
        self.exit(code, return_code=code)

    async def on_unmount(self) -> None:
        # However the app ends (quit, an exception, a test leaving run_test), nothing it
        # started outlives it.
        if self.runner is not None:
            self.runner.detach()
            await self.runner.stop()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            # Ours replace Textual's: one "Keys" (every key of checkdeck), and a screenshot
            # saved where the project is.
            if command.title not in ("Keys", "Screenshot"):
                yield command
        yield SystemCommand("Rerun all", "Run every validator again", self.action_rerun_all)
        yield SystemCommand("Rerun failed", "Run the failed validators again", self.action_rerun_failed)
        active = self._active()
        if active:
            yield SystemCommand("Cancel all", "Stop every running validator", self.action_cancel_all)
        for kind in sorted({s.spec.kind for s in self.states.values()}):
            names = [n for n, s in self.states.items() if s.spec.kind == kind]
            if len(names) > 1:
                yield SystemCommand(
                    f"Rerun every {kind}",
                    f"Run the {len(names)} {kind} validators again",
                    functools.partial(self._names, names),
                )
        for name in self.states:
            yield SystemCommand(f"Rerun {name}", f"Run {name} again", functools.partial(self._names, [name]))
            if name in active:
                yield SystemCommand(f"Cancel {name}", f"Stop {name}", functools.partial(self._cancel_one, name))
        yield SystemCommand("Export run", "Write JSON, Markdown, JUnit XML or SARIF", self.action_export)
        yield SystemCommand("Search log", "Find text in the selected validator's log", self.action_search)
        yield SystemCommand("Toggle wrap", "Wrap long log lines", self.action_toggle_wrap)
        yield SystemCommand("Toggle timestamps", "Show when each log line arrived", self.action_toggle_timestamps)
        yield SystemCommand("Toggle the validator list", "Give the log the whole width (b)", self.action_toggle_list)
        yield SystemCommand("Past runs", "Browse .checkdeck/runs", self.action_history)
        yield SystemCommand(
            "Screenshot", "Save an SVG of the screen under .checkdeck/screenshots", self.action_screenshot
        )
        yield SystemCommand("Keys", "Show every key", self.action_help)

    def _cancel_one(self, name: str) -> None:
        if self.runner:
            self.runner.cancel(name)


def run_app(config: Config, *, watch: bool = False, concurrency: int | None = None) -> int:
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    result = CheckdeckApp(config, watch=watch, concurrency=concurrency).run()
    return int(result or 0)
