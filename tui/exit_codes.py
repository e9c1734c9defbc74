"""checkdeck's exit statuses (README: "Exit status"), and how a run's outcome maps to them."""

from __future__ import annotations

from validators.engine.model import RunSummary, Status
from validators.engine.wording import plural

EXIT_OK = 0  # every validator passed (or was skipped)
EXIT_FAILED = 1  # something failed, errored or was cancelled
EXIT_USAGE = 2  # bad arguments or config: nothing ran
EXIT_REPORTS = 3  # the run finished but a report (summary.json or an export) could not be written
EXIT_INTERRUPTED = 130  # SIGINT/SIGTERM/SIGHUP: every child was stopped first


def exit_status(status: Status) -> int:
    """Cancelled is not passed: only a run whose validators passed or were skipped exits 0."""
    return EXIT_OK if status in (Status.PASSED, Status.SKIPPED) else EXIT_FAILED


def outcome_counts(summary: RunSummary) -> str:
    """ "3 cancelled, 1 passed": every status present, the worst first."""
    order = (
        Status.ERROR,
        Status.FAILED,
        Status.CANCELLED,
        Status.RUNNING,
        Status.PENDING,
        Status.PASSED,
        Status.SKIPPED,
    )
    # Statuses read as adjectives ("2 failed"), but "error" is a noun: "2 errors".
    parts = [
        plural(summary.count(s), "error") if s is Status.ERROR else f"{summary.count(s)} {s.value}"
        for s in order
        if summary.count(s)
    ]
    if parts == [f"{len(summary.results)} passed"]:
        return "all passed"
    return ", ".join(parts)
