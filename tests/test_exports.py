"""Exports: JSON against its published schema, JUnit through a real consumer's parser, SARIF, Markdown."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped

from tests.helpers import command, run_specs
from validators.engine.model import Finding, RunSummary, Severity, Status, ValidatorResult
from validators.exports import ExportError, export, renderer_for
from validators.exports.json_report import SCHEMA_PATH

FAST = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
SUITE = "def test_good():\n    pass\n\ndef test_bad():\n    assert 1 == 2, 'one is not two'\n"


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> RunSummary:
    import anyio

    project = tmp_path_factory.mktemp("project")
    (project / "test_mod.py").write_text(SUITE)
    specs = [
        command("tests", f"{sys.executable} -m pytest -q -p no:cacheprovider", env=FAST),
        command("echo", "printf 'bad \\377 <xml> & \\033[31mred\\033[0m \\001\\n'"),
        command("fails", "exit 4"),
    ]
    result, _ = anyio.run(lambda: run_specs(project, specs))
    return result


def test_json_report_matches_its_schema_and_shape(summary: RunSummary, tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    export(summary, path)
    data = json.loads(path.read_text())
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    assert data["version"] == 1 and data["status"] == "failed"
    tests = data["validators"][0]
    assert set(tests) >= {"name", "kind", "status", "duration_s", "summary", "log_path", "findings"}
    assert tests["log_path"].startswith(".checkdeck/runs/")
    [finding] = tests["findings"]
    assert {k: finding[k] for k in ("severity", "rule", "path", "line")} == {
        "severity": "error",
        "rule": "pytest/failed",
        "path": "test_mod.py",
        "line": 5,
    }


def test_json_schema_rejects_a_broken_report(summary: RunSummary, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    export(summary, path)
    data = json.loads(path.read_text())
    data["validators"][0]["status"] = "green"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))


def test_junit_xml_reads_back_through_junitparser(summary: RunSummary, tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    export(summary, path)
    xml = JUnitXml.fromfile(str(path))
    suites = {suite.name: suite for suite in xml}
    assert set(suites) == {"tests", "echo", "fails"}
    tests = suites["tests"]
    assert (tests.tests, tests.failures, tests.errors) == (2, 1, 0)
    cases = {case.name: case for case in tests}
    assert cases["test_good"].is_passed
    [failure] = cases["test_bad"].result
    assert isinstance(failure, Failure) and "one is not two" in (failure.message or "")
    [fails_case] = list(suites["fails"])
    assert isinstance(fails_case.result[0], Failure)
    assert "exit code 4" in (fails_case.result[0].text or "")
    assert xml.tests == 4 and xml.failures == 2


def test_junit_survives_control_characters(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    result = ValidatorResult(
        "weird \x01 name",
        "command",
        Status.ERROR,
        1.0,
        "bad \x1b[31mred\x1b[0m \x00 <&>",
        findings=(Finding(Severity.ERROR, "r", "m\x02"),),
    )
    summary = RunSummary(Status.ERROR, now, 1.0, tmp_path, tmp_path, (result,))
    path = tmp_path / "j.xml"
    export(summary, path)
    [suite] = list(JUnitXml.fromfile(str(path)))
    [case] = list(suite)
    assert isinstance(case.result[0], Error)
    assert "bad red  <&>" in (case.result[0].text or "")
    cancelled = RunSummary(
        Status.CANCELLED,
        now,
        1.0,
        tmp_path,
        tmp_path,
        (ValidatorResult("c", "command", Status.CANCELLED, 0.1, "cancelled"),),
    )
    export(cancelled, path)
    [suite] = list(JUnitXml.fromfile(str(path)))
    assert isinstance(next(iter(suite)).result[0], Skipped)


def test_sarif_has_a_run_per_validator_and_a_located_result_per_finding(summary: RunSummary, tmp_path: Path) -> None:
    path = tmp_path / "r.sarif"
    export(summary, path)
    sarif = json.loads(path.read_text())
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    assert [run["automationDetails"]["id"] for run in sarif["runs"]] == [
        "checkdeck/tests/",
        "checkdeck/echo/",
        "checkdeck/fails/",
    ]
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "pytest/failed" and result["level"] == "error"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "test_mod.py"
    assert location["region"]["startLine"] == 5
    assert [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]] == ["pytest/failed"]
    for run in sarif["runs"]:
        rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
        assert all(r["ruleId"] in rule_ids and r["locations"] for r in run["results"])


def test_markdown_lists_every_validator_and_the_findings(summary: RunSummary, tmp_path: Path) -> None:
    path = tmp_path / "r.md"
    export(summary, path)
    text = path.read_text()
    assert text.startswith("## checkdeck: ❌ failed")
    assert "| ✅ | echo | command | passed |" in text
    assert "| ❌ | fails | command | failed |" in text
    assert "`test_mod.py:5`" in text and "one is not two" in text


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match=r"\.html"):
        renderer_for(tmp_path / "x.html")


def test_writes_are_atomic(summary: RunSummary, tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("old")
    export(summary, path)
    assert json.loads(path.read_text())["version"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    from validators.engine.atomic import write_atomic

    path = tmp_path / "r.json"
    path.write_text("old content")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "new " * 10_000 + "\udcff")  # a lone surrogate cannot be encoded
    assert path.read_text() == "old content"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
