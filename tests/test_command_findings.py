"""The command validator reads findings from the tools people run (real ruff and mypy here),
says plainly when a tool is not installed, asks children for colour, and can run them under a
pseudo-terminal."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.helpers import command, processes_with, run_specs, write_tree
from validators.config.detect import detect
from validators.config.load import ConfigError, load_config
from validators.engine.model import Severity, Status
from validators.kinds.command.matchers import GccMatcher, MypyMatcher, RuffMatcher

pytestmark = pytest.mark.anyio
RUFF = str(Path(sys.executable).parent / "ruff")
BAD = "import os, sys\n\n\ndef f(x: int) -> str:\n    return x\n\n\ny: int = 'text'\n"
FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def bad_project(root: Path) -> Path:
    return write_tree(root, {"pkg/bad.py": BAD, "pkg/__init__.py": ""})


@pytest.mark.parametrize("form", ["concise", "full", "json", "json-lines"])
async def test_ruff_problems_are_findings_in_every_output_format(tmp_path: Path, form: str) -> None:
    root = bad_project(tmp_path)
    run = f"{RUFF} check --no-cache --isolated --select F401,E501 --output-format {form} ."
    summary, _ = await run_specs(root, [command("ruff", run)])
    [result] = summary.results
    assert result.status is Status.FAILED and result.exit_code == 1
    found = sorted((f.rule, f.path, f.line, f.column, f.message) for f in result.findings)
    assert found == [
        ("ruff/F401", "pkg/bad.py", 1, 8, "`os` imported but unused"),
        ("ruff/F401", "pkg/bad.py", 1, 12, "`sys` imported but unused"),
    ]
    # JSON lines carry no closing count; every other format does.
    assert result.summary.startswith("2 problems · ruff: Found 2 errors." if form != "json-lines" else "2 problems")
    assert result.summary.endswith("exit code 1")
    assert ("findings read as", "ruff (chosen by the command line)") in result.details


async def test_a_clean_ruff_run_says_what_it_checked(tmp_path: Path) -> None:
    write_tree(tmp_path, {"ok.py": "x = 1\n"})
    summary, _ = await run_specs(tmp_path, [command("ruff", f"{RUFF} check --no-cache --isolated .")])
    [result] = summary.results
    assert result.status is Status.PASSED
    assert result.summary == "no problems · ruff: All checks passed!"


@pytest.mark.parametrize("json_output", [False, True])
async def test_mypy_errors_are_findings_with_code_and_line(tmp_path: Path, json_output: bool) -> None:
    root = bad_project(tmp_path)
    flags = "-O json" if json_output else ""
    run = f"{sys.executable} -m mypy --no-incremental --strict {flags} pkg/bad.py"
    summary, _ = await run_specs(root, [command("types", run)])
    [result] = summary.results
    assert result.status is Status.FAILED
    found = sorted((f.rule, f.path, f.line) for f in result.findings)
    assert found == [("mypy/assignment", "pkg/bad.py", 8), ("mypy/return-value", "pkg/bad.py", 5)]
    assert all(f.severity is Severity.ERROR for f in result.findings)
    assert result.summary.startswith("2 problems")
    if not json_output:
        assert "mypy: Found 2 errors in 1 file (checked 1 source file)" in result.summary


async def test_gcc_style_output_and_notes_become_hints(tmp_path: Path) -> None:
    out = (
        "src/a.c:3:5: warning: unused variable 'x' [-Wunused-variable]\n"
        "src/a.c: In function 'main':\n"
        "src/a.c:9:1: error: expected ';' before '}' token\n"
        "src/a.c:2:1: note: to match this '{'\n"
    )
    (tmp_path / "out.txt").write_text(out)
    summary, _ = await run_specs(tmp_path, [command("cc", "cat out.txt; exit 1", findings="gcc")])
    [result] = summary.results
    found = sorted((f.severity.value, f.rule, f.path, f.line, f.column, f.hint) for f in result.findings)
    assert found == [
        ("error", "gcc/error", "src/a.c", 9, 1, "to match this '{'"),
        ("warning", "gcc/-Wunused-variable", "src/a.c", 3, 5, None),
    ]
    assert result.summary == "2 problems (1 error, 1 warning) · exit code 1"


async def test_an_inline_matcher_reads_the_users_own_format(tmp_path: Path) -> None:
    matcher = {"regex": r"^(\w+) (\S+)@(\d+): (.*)$", "severity": 1, "file": 2, "line": 3, "message": 4}
    run = "echo 'WARN app/x.py@7: slow query'; echo 'ERR app/y.py@2: broken'; echo unrelated; exit 2"
    summary, _ = await run_specs(tmp_path, [command("custom", run, findings=matcher)])
    [result] = summary.results
    found = sorted((f.severity.value, f.path, f.line, f.message) for f in result.findings)
    assert found == [("error", "app/y.py", 2, "broken"), ("warning", "app/x.py", 7, "slow query")]
    assert result.status is Status.FAILED


async def test_findings_beyond_the_cap_are_counted_not_kept(tmp_path: Path) -> None:
    matcher = {"regex": r"^(f\d+):(\d+) (.*)$", "file": 1, "line": 2, "message": 3}
    run = 'i=0; while [ $i -lt 6000 ]; do echo "f$i:1 bad"; i=$((i+1)); done; exit 1'
    summary, _ = await run_specs(tmp_path, [command("many", run, findings=matcher)])
    [result] = summary.results
    assert len(result.findings) == 5000
    assert result.summary.startswith("6000 problems")


def test_a_bad_inline_matcher_is_a_config_error_naming_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "checkdeck.toml"
    path.write_text(
        '[[validators]]\nname = "x"\nkind = "command"\nrun = "true"\n'
        "findings = { regex = '^(a)(b$', file = 1, message = 2 }\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    [problem] = [str(p) for p in info.value.problems]
    assert problem.startswith(f"{path.resolve()}:5: validators[0].findings: regex does not compile")
    path.write_text(
        '[[validators]]\nname = "x"\nkind = "command"\nrun = "true"\n'
        "findings = { regex = '^(a)$', file = 1, message = 2 }\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "findings: message = 2: the regex has groups 1 to 1" in str(info.value.problems[0])
    path.write_text('[[validators]]\nname = "x"\nkind = "command"\nrun = "true"\nfindings = "eslint"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "findings: expected one of 'ruff', 'mypy', 'pytest', 'gcc'" in str(info.value.problems[0])


async def test_a_tool_that_is_not_installed_is_an_error_with_how_to_install_it(tmp_path: Path) -> None:
    specs = [
        command("ruff", "rufff-not-here check ."),
        command("mypy", f"{sys.executable} -m no_such_module_here ."),
        # An ImportError inside a program that did run is the program's failure, not set-up.
        command("script", f"{sys.executable} -c 'import no_such_module_here'"),
    ]
    summary, _ = await run_specs(tmp_path, specs)
    by_name = {r.name: r for r in summary.results}
    ruff = by_name["ruff"]
    assert ruff.status is Status.ERROR and ruff.exit_code == 127
    assert ruff.summary.startswith("rufff-not-here is not installed (")
    assert "not found" in ruff.summary
    [finding] = ruff.findings
    assert finding.rule == "command/not-installed" and finding.hint is not None and "PATH" in finding.hint
    mypy = by_name["mypy"]
    assert mypy.status is Status.ERROR
    assert "No module named no_such_module_here" in mypy.summary
    assert f"install it with: {sys.executable} -m pip install no_such_module_here" in mypy.summary
    assert by_name["script"].status is Status.FAILED


async def test_a_known_tool_that_is_missing_names_its_installer(tmp_path: Path) -> None:
    # PATH without the folders that hold ruff: the shell's own "not found".
    summary, _ = await run_specs(tmp_path, [command("ruff", "ruff check .", env={"PATH": "/nonexistent"})])
    [result] = summary.results
    assert result.status is Status.ERROR
    assert "install it with: pip install ruff" in result.summary


async def test_pytest_counts_xfail_and_xpass_as_themselves(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "test_x.py": "import pytest\n\n"
            "@pytest.mark.xfail(reason='known bug')\ndef test_known():\n    assert False\n\n"
            "@pytest.mark.xfail(reason='fixed since')\ndef test_fixed():\n    pass\n\n"
            "def test_ok():\n    pass\n"
        },
    )
    run = f"{sys.executable} -m pytest -q -p no:cacheprovider"
    summary, _ = await run_specs(tmp_path, [command("t", run, env=FAST)])
    [result] = summary.results
    assert result.summary == "3/3 tests: 1 passed, 1 xfailed, 1 xpassed"
    checks = {c.name: (c.status, c.message) for c in result.checks}
    assert checks["test_known"] == (Status.SKIPPED, "xfailed: known bug")
    assert checks["test_fixed"] == (Status.PASSED, "xpassed: fixed since")


async def test_children_are_asked_for_colour_unless_the_env_says_otherwise(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    show = 'echo "[$FORCE_COLOR|$CLICOLOR_FORCE|$PY_COLORS|$NO_COLOR]"'
    specs = [
        command("default", show),
        command("user-says-no", show, env={"NO_COLOR": "1"}),
        command("user-sets-one", show, env={"FORCE_COLOR": "0"}),
        command("off", show, color=False),
    ]
    summary, _ = await run_specs(tmp_path, specs)
    logs = {r.name: r.log_path.read_text() for r in summary.results if r.log_path}
    assert "[1|1|1|]" in logs["default"]
    assert "[|||1]" in logs["user-says-no"]
    assert "[0|||]" in logs["user-sets-one"]
    assert "[|||]" in logs["off"]


async def test_tty_runs_the_command_on_a_terminal_and_leaves_nothing(tmp_path: Path) -> None:
    marker = f"checkdeck-tty-{tmp_path.name}"
    probe = f"if [ -t 1 ] && [ -t 2 ]; then echo on-a-tty; else echo on-a-pipe; fi; echo {marker} >/dev/null"
    colours = "printf '\\033[31mred\\033[0m\\n'; echo to-stderr >&2"
    summary, _ = await run_specs(
        tmp_path,
        [command("tty", f"{probe}; {colours}", tty=True), command("pipe", probe)],
    )
    by_name = {r.name: r for r in summary.results}
    tty_log = by_name["tty"].log_path.read_bytes() if by_name["tty"].log_path else b""
    assert b"on-a-tty\n" in tty_log and b"\x1b[31mred\x1b[0m\n" in tty_log and b"to-stderr\n" in tty_log
    assert b"\r\n" not in tty_log
    pipe_log = by_name["pipe"].log_path.read_bytes() if by_name["pipe"].log_path else b""
    assert b"on-a-pipe" in pipe_log
    assert all(r.status is Status.PASSED for r in summary.results)
    assert processes_with(marker) == []


def test_detection_sets_the_matcher_for_what_it_detects(tmp_path: Path) -> None:
    write_tree(tmp_path, {"pyproject.toml": "[tool.ruff]\n[tool.mypy]\n", "app.py": ""})
    specs = {s.name: s for s in detect(tmp_path)}
    assert specs["ruff"].options["findings"] == "ruff"
    assert "--output-format concise" in str(specs["ruff"].options["run"])
    assert specs["mypy"].options["findings"] == "mypy"


def test_matchers_on_recorded_output_from_older_tool_versions() -> None:
    # ruff before 0.12 printed `path:line:col: CODE [*] message` in its full format too;
    # mypy notes after an error belong to it.
    ruff = RuffMatcher()
    [problem] = list(ruff.feed("pkg/a.py:3:1: E402 [*] Module level import not at top of file"))
    assert (problem.rule, problem.line, problem.column) == ("ruff/E402", 3, 1)
    mypy = MypyMatcher()
    assert not list(mypy.feed('pkg/a.py:4: error: Name "x" is not defined  [name-defined]'))
    assert not list(mypy.feed('pkg/a.py:4: note: Did you mean "y"?'))
    [error] = list(mypy.finish())
    assert (error.rule, error.hint) == ("mypy/name-defined", 'Did you mean "y"?')
    gcc = GccMatcher()
    assert not list(gcc.feed("make: *** [Makefile:3: all] Error 1"))
    assert not list(gcc.finish())


def test_ruff_is_on_this_machine() -> None:
    assert shutil.which(RUFF), "the test extras install ruff next to this Python"
