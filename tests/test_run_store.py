"""The run store: one log file per validator and attempt, and summary.json written and read
back into model types with every byte of a file name intact."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import anyio
import pytest

from tests.helpers import command, run_specs
from validators.engine.broadcast import Broadcast
from validators.engine.model import ValidatorSpec
from validators.engine.store import log_stems, read_summary, slug, write_summary
from validators.exports import export

pytestmark = pytest.mark.anyio


def test_names_that_slug_alike_get_distinct_stems() -> None:
    stems = log_stems(["unit tests", "Unit-Tests", "日本", "!!!", "???", "unit_tests"])
    assert len(set(stems.values())) == 6
    assert stems["unit tests"] == "unit-tests" and stems["Unit-Tests"] == "unit-tests-2"
    assert stems["日本"] == "日本" and stems["!!!"] == "validator" and stems["???"] == "validator-2"
    assert slug("a/b\\c..d") == "a-b-c-d"  # never a path


async def test_every_validator_writes_its_own_log(tmp_path: Path) -> None:
    names = ["unit tests", "Unit-Tests", "日本", "!!!"]
    specs = [command(name, f"for i in $(seq 1 200); do echo '{name}' $i; done") for name in names]
    summary, _ = await run_specs(tmp_path, specs)
    paths = [r.log_path for r in summary.results]
    assert all(p is not None for p in paths) and len(set(paths)) == len(names)
    for result in summary.results:
        assert result.log_path is not None
        lines = [x for x in result.log_path.read_text().splitlines() if not x.startswith("[checkdeck]")]
        assert lines == [f"{result.name} {i}" for i in range(1, 201)]


async def test_summary_round_trips_a_non_utf8_file_name(tmp_path: Path) -> None:
    name = os.fsdecode(b"deploy\xff.pem")
    (tmp_path / name).write_text("-----BEGIN PRIVATE KEY-----\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /app\n")
    summary, _ = await run_specs(tmp_path, [ValidatorSpec("build context", "dockerignore", {})])
    [result] = summary.results
    assert any(f.path == name for f in result.findings), result.findings
    path = write_summary(summary)
    assert b"\\udcff" in path.read_bytes()  # a JSON escape, so the file is valid UTF-8
    path.read_bytes().decode("utf-8")
    again = read_summary(summary.run_dir)
    assert again is not None
    assert [f.path for f in again.results[0].findings] == [f.path for f in result.findings]
    assert os.fsencode(name) in [os.fsencode(f.path) for f in again.results[0].findings if f.path]


async def test_every_export_takes_a_non_utf8_file_name(tmp_path: Path) -> None:
    name = os.fsdecode(b"deploy\xff.pem")
    (tmp_path / name).write_text("-----BEGIN PRIVATE KEY-----\n")
    (tmp_path / "Dockerfile").write_text("FROM scratch\nCOPY . /app\n")
    summary, _ = await run_specs(tmp_path, [ValidatorSpec("build context", "dockerignore", {})])
    for suffix in (".json", ".md", ".xml", ".sarif"):
        export(summary, tmp_path / f"report{suffix}")
    assert "deploy\\xff.pem" in (tmp_path / "report.md").read_text(encoding="utf-8")
    ET.fromstring((tmp_path / "report.xml").read_bytes())  # well-formed XML, however odd the name
    sarif = json.loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]]
    assert "deploy%FF.pem" in uris  # percent-encoded bytes: exact


async def test_two_publishers_may_find_the_same_subscriber_gone() -> None:
    events: Broadcast[int] = Broadcast()
    receiver = events.subscribe(buffer=0)
    receiver.close()
    async with anyio.create_task_group() as tg:
        for n in range(2):
            tg.start_soon(events.publish, n)
