"""The command validator understands pytest: failing tests become findings, progress is live."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import pytest

from tests.helpers import command, run_specs
from validators.engine.model import FindingReported, Progress, Severity, Status
from validators.engine.registry import create
from validators.engine.runner import Runner
from validators.kinds.command.validator import is_pytest

pytestmark = pytest.mark.anyio
# Our own pytest plugins (hypothesis, snapshots) take seconds to import and are not under test.
FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}

SUITE = """\
import pytest

def helper(x):
    return x * 2

def test_ok():
    assert helper(2) == 4

def test_broken():
    value = helper(3)
    assert value == 7, "helper(3) should be 7"

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

class TestGroup:
    def test_raises(self):
        raise KeyError("missing")

@pytest.fixture
def bad_fixture():
    raise RuntimeError("fixture broke")

def test_uses_bad_fixture(bad_fixture):
    pass
"""


def make_suite(root: Path) -> None:
    (root / "tests").mkdir()
    (root / "tests" / "test_things.py").write_text(SUITE)


async def test_failing_tests_are_findings_with_file_line_and_message(tmp_path: Path) -> None:
    make_suite(tmp_path)
    spec = command("unit", f"{sys.executable} -m pytest -q -p no:cacheprovider tests", env=FAST)
    summary, events = await run_specs(tmp_path, [spec])
    [result] = summary.results
    assert result.status is Status.FAILED
    assert result.exit_code == 1
    assert result.summary == "5/5 tests: 1 passed, 2 failed, 1 skipped, 1 error"
    by_rule = sorted((f.rule, f.path, f.line, f.message) for f in result.findings)
    assert by_rule == [
        (
            "pytest/error",
            "tests/test_things.py",
            23,
            "tests/test_things.py::test_uses_bad_fixture: RuntimeError: fixture broke",
        ),
        (
            "pytest/failed",
            "tests/test_things.py",
            11,
            "tests/test_things.py::test_broken: AssertionError: helper(3) should be 7\nassert 6 == 7",
        ),
        (
            "pytest/failed",
            "tests/test_things.py",
            19,
            "tests/test_things.py::TestGroup::test_raises: KeyError: 'missing'",
        ),
    ]
    assert all(f.severity is Severity.ERROR for f in result.findings)
    assert {c.name: c.status for c in result.checks} == {
        "test_ok": Status.PASSED,
        "test_broken": Status.FAILED,
        "test_skipped": Status.SKIPPED,
        "test_raises": Status.FAILED,
        "test_uses_bad_fixture": Status.ERROR,
    }
    reported = [e.finding for e in events if isinstance(e, FindingReported)]
    assert sorted(f.line or 0 for f in reported) == [11, 19, 23]
    progress = [(e.done, e.total) for e in events if isinstance(e, Progress)]
    assert progress[0] == (0, 5)
    assert progress[-1] == (5, 5)
    assert [done for done, _ in progress] == sorted(done for done, _ in progress)


async def test_a_passing_suite_passes(tmp_path: Path) -> None:
    (tmp_path / "test_one.py").write_text("def test_a():\n    pass\n")
    summary, _ = await run_specs(
        tmp_path, [command("t", f"cd . && {sys.executable} -m pytest -q -p no:cacheprovider", env=FAST)]
    )
    assert summary.results[0].status is Status.PASSED
    assert summary.results[0].summary == "1/1 tests: 1 passed"


async def test_no_tests_collected_fails(tmp_path: Path) -> None:
    summary, _ = await run_specs(
        tmp_path, [command("t", f"{sys.executable} -m pytest -q -p no:cacheprovider", env=FAST)]
    )
    assert summary.results[0].status is Status.FAILED
    assert summary.results[0].summary == "pytest collected no tests"


def test_pytest_detection() -> None:
    assert is_pytest("pytest -q tests/unit")
    assert is_pytest("cd api && python -m pytest")
    assert is_pytest(".venv/bin/pytest")
    assert not is_pytest("echo pytest-like")
    assert not is_pytest("ruff check .")


MANY = """\
import pytest

@pytest.mark.parametrize("n", range(400))
def test_many(n):
    assert n % 40 != 7
"""


async def test_a_slow_subscriber_loses_no_result(tmp_path: Path) -> None:
    """The app reads events more slowly than headless: every record still counts."""
    (tmp_path / "test_many.py").write_text(MANY)
    spec = command("many", f"{sys.executable} -m pytest -q -p no:cacheprovider test_many.py", env=FAST)
    seen: list[object] = []

    async def slow_reader(runner: Runner) -> None:
        async with runner.subscribe(buffer=1) as stream:
            async for event in stream:
                seen.append(event)
                await anyio.sleep(0.002)

    async with anyio.create_task_group() as tg, Runner([spec], project_dir=tmp_path, factory=create) as runner:
        tg.start_soon(slow_reader, runner)
        summary = await runner.run_all()
    [result] = summary.results
    assert result.summary == "400/400 tests: 390 passed, 10 failed"
    assert len(result.checks) == 400 and len(result.findings) == 10
    assert sum(isinstance(e, FindingReported) for e in seen) == 10
