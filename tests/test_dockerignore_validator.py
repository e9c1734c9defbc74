"""The dockerignore validator end to end: COPY sources, imports, required paths, secrets,
builder differences, bad patterns, and what the run reports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_specs, write_tree
from validators.docker import analysis
from validators.docker.analysis import Checks, Target, analyse_dockerfile
from validators.engine.model import Finding, Severity, Status, ValidatorSpec
from validators.kinds.dockerignore.verdict import check_dockerfile
from validators.pyimports.cache import ScanCache

pytestmark = pytest.mark.anyio


project = write_tree


def findings(root: Path, dockerfile: str = "Dockerfile", **options: object) -> list[Finding]:
    result = check_dockerfile(
        Target(root / dockerfile, root, str(options.pop("builder", "buildkit"))),
        root,
        cache=ScanCache(None),
        checks=Checks(**options),  # type: ignore[arg-type]
    )
    return result.findings


def rules(items: list[Finding]) -> list[str]:
    return sorted(f.rule for f in items)


BASE = {
    "app/__init__.py": "",
    "app/main.py": "from app import core\n",
    "app/core.py": "VALUE = 1\n",
}


def test_copy_source_excluded_by_dockerignore_is_an_error_on_the_dockerfile_line(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            "requirements.txt": "x\n",
            ".dockerignore": "*.txt\n",
            "Dockerfile": "FROM python:3.11\nWORKDIR /srv\nCOPY requirements.txt .\nCOPY app app\nCOPY nope.cfg /etc/\n",
        },
    )
    got = [f for f in findings(root) if f.rule == "docker/copy-source-missing"]
    assert [(f.path, f.line) for f in got] == [("Dockerfile", 3), ("Dockerfile", 5)]
    assert (
        "excluded by .dockerignore:1 `*.txt`" in got[0].message
        and got[0].hint == "add `!requirements.txt` to .dockerignore"
    )
    assert "no such file in the context" in got[1].message


def test_module_copied_by_no_copy_line_is_reported(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            "app/main.py": "import shared.config\n",
            "shared/__init__.py": "",
            "shared/config.py": "",
            "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY app app\nCMD ["python", "-m", "app.main"]\n',
        },
    )
    [finding] = [f for f in findings(root) if f.rule == "python/module-not-in-image"]
    assert (finding.path, finding.line, finding.severity) == ("app/main.py", 1, Severity.ERROR)
    assert "no COPY brings it into the image" in finding.message and "shared" in finding.message
    assert finding.hint is not None and finding.hint.startswith("add `COPY shared")


def test_guarded_import_is_info_and_third_party_is_ignored(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            "app/main.py": "import requests\nimport os\ntry:\n    from app import extras\nexcept ImportError:\n    extras = None\n",
            "app/extras.py": "",
            ".dockerignore": "app/extras.py\n",
            "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-m", "app.main"]\n',
        },
    )
    [finding] = [f for f in findings(root) if f.rule == "python/module-not-in-image"]
    assert finding.severity is Severity.INFO and "guarded by try/except ImportError" in finding.message


def test_script_entrypoint_pythonpath_and_relative_imports(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            "src/svc/__init__.py": "",
            "src/svc/api.py": "from .handlers import run\n",
            "src/svc/handlers/__init__.py": "",
            "bin/serve.py": "from svc.api import run\n",
            ".dockerignore": "**/handlers\n",
            "Dockerfile": "FROM python:3.11\nWORKDIR /srv\nCOPY src src\nCOPY bin bin\nENV PYTHONPATH=/srv/src\nCMD python bin/serve.py\n",
        },
    )
    [finding] = [f for f in findings(root) if f.rule == "python/module-not-in-image"]
    assert (finding.path, finding.line) == ("src/svc/api.py", 1)
    assert "svc.handlers" in finding.message and "`**/handlers`" in finding.message
    assert finding.hint == "add `!src/svc/handlers` after that line"


def test_configured_entrypoints_are_followed(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            "app/worker.py": "from app import jobs\n",
            "app/jobs.py": "",
            ".dockerignore": "app/jobs.py\n",
            "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["./run.sh"]\n',
        },
    )
    # Without an entrypoint the image's packages are checked, and nothing is certain.
    [guess] = [f for f in findings(root) if f.rule.startswith("python/")]
    assert guess.severity is Severity.WARNING and "app.jobs" in guess.message and "set `entrypoints`" in guess.message
    [finding] = [f for f in findings(root, entrypoints=["app.worker"]) if f.rule.startswith("python/")]
    assert "app.jobs" in finding.message and finding.severity is Severity.ERROR


def test_syntax_errors_are_reported_and_skipped(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            "app/main.py": "from app import core\nfrom app import broken\n",
            "app/broken.py": "import os\ndef f(:\n    pass\nfrom app import gone\n",
            "app/gone.py": "",
            ".dockerignore": "app/gone.py\n",
            "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-m", "app.main"]\n',
        },
    )
    got = findings(root)
    [syntax] = [f for f in got if f.rule == "python/syntax-error"]
    assert (syntax.path, syntax.line, syntax.severity) == ("app/broken.py", 2, Severity.WARNING)
    assert not any(f.rule == "python/module-not-in-image" for f in got)


def test_required_globs_secrets_and_builder_differences(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            "migrations/001.sql": "",
            "config/settings.toml": "",
            ".env": "SECRET=kP9-vQ2x-77Lm\n",
            "deploy/id_rsa": "k",
            "sub/x.py": "",
            "y.py": "",
            ".dockerignore": "migrations\n*\n!app\n!migrations\n!config\n!.env\n!deploy\n!**/*.py\n",
            "Dockerfile": "FROM python:3.11\nCOPY . /srv\n",
        },
    )
    got = findings(root, required=["migrations/*.sql", "config/"])
    assert ".env" in {f.path for f in got if f.rule == "docker/secret-in-context"}
    assert "deploy/id_rsa" in {f.path for f in got if f.rule == "docker/secret-in-context"}
    [differ] = [f for f in got if f.rule == "docker/builders-disagree"]
    assert "sub/x.py" in differ.message
    assert not any(f.rule == "docker/required-excluded" for f in got)
    (root / ".dockerignore").write_text("migrations\nconfig\n")
    got = findings(root, required=["migrations/*.sql", "config/"])
    required = sorted((f.path, f.message) for f in got if f.rule == "docker/required-excluded")
    assert [p for p, _ in required] == ["config/settings.toml", "migrations/001.sql"]
    assert "excluded by .dockerignore:2 `config`" in required[0][1]


def test_a_pattern_docker_rejects_is_an_error_with_its_line(tmp_path: Path) -> None:
    root = project(tmp_path, {**BASE, ".dockerignore": "*.log\n[abc\n", "Dockerfile": "FROM scratch\nCOPY . /x\n"})
    [finding] = findings(root)
    assert (finding.rule, finding.path, finding.line) == ("docker/ignore-pattern-error", ".dockerignore", 2)


async def test_validator_in_a_run_reports_summary_and_findings(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            "app/services/monitoring/__init__.py": "",
            "app/main.py": "from app.services import monitoring\n",
            "app/services/__init__.py": "",
            ".dockerignore": "**/monitoring/\n.checkdeck\n",
            "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-m", "app.main"]\n',
            "other.Dockerfile": "FROM scratch\nCOPY app /app\n",
        },
    )
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {})])
    [result] = summary.results
    assert result.status is Status.FAILED
    # The error from Dockerfile's CMD; other.Dockerfile has no entrypoint: its packages are
    # checked and the same gap is a warning there.
    assert result.summary.startswith("1 error, 1 warning; context ")
    assert [(f.rule, f.severity) for f in result.findings] == [
        ("python/module-not-in-image", Severity.ERROR),
        ("python/module-not-in-image", Severity.WARNING),
    ]
    assert result.log_path is not None
    log = result.log_path.read_text()
    assert "== Dockerfile" in log and "== other.Dockerfile" in log and "missing: app.services.monitoring" in log
    assert (root / ".checkdeck" / "cache" / "imports-v2.json").is_file()


async def test_no_dockerfile_is_skipped(tmp_path: Path) -> None:
    summary, _ = await run_specs(tmp_path, [ValidatorSpec("context", "dockerignore", {})])
    assert summary.results[0].status is Status.SKIPPED


def test_unchanged_project_reuses_the_analysis_and_a_change_is_seen(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        {
            **BASE,
            ".dockerignore": "app/gone.py\n",
            "app/gone.py": "",
            "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-m", "app.main"]\n',
        },
    )
    store = tmp_path / "cache" / "imports.json"

    def run() -> tuple[list[str], list[Finding]]:
        cache = ScanCache(store)
        result = check_dockerfile(Target(root / "Dockerfile", root), root, cache=cache)
        cache.save()
        return result.log, result.findings

    log, found = run()
    assert not any("reused" in line for line in log) and found == []
    log, found = run()
    assert any("reused" in line for line in log) and found == []
    (root / "app" / "core.py").write_text("from app import gone\n")
    log, found = run()
    assert not any("reused" in line for line in log)
    assert [f.path for f in found] == ["app/core.py"]


async def test_the_engine_version_decides_which_docker_rules_apply_and_is_said(tmp_path: Path) -> None:
    # `**/.env` + `!src`: Docker 20.10's BuildKit does not prune src/, so src/cloud_x/.env is sent.
    files = {
        **BASE,
        "src/cloud_x/.env": "TOKEN=Zq81-mWp4-Lx7r\n",
        ".dockerignore": "**/.env\n!src\n.checkdeck\n",
        "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-m", "app.main"]\n',
    }
    root = project(tmp_path, files)
    for engine, sent in (("20.10.24", True), ("current", False)):
        summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {"engine": engine})])
        [result] = summary.results
        secrets = [f.path for f in result.findings if f.rule == "docker/secret-in-context"]
        assert (secrets == ["src/cloud_x/.env"]) is sent, (engine, secrets)
        assert ("(Docker 20.10 rules)" in result.summary) is sent, result.summary
        assert result.log_path is not None
        expected = "BuildKit v0.8 rules (engine 20.10.24, as configured)" if sent else "current BuildKit rules"
        assert f"context rules: {expected}" in result.log_path.read_text()


def test_dockerfiles_of_one_run_share_one_reading_of_the_context_and_a_new_run_reads_again(tmp_path: Path) -> None:
    files = {**BASE, ".dockerignore": ".checkdeck\n", "Dockerfile": "FROM scratch\nCOPY . /srv/\n"}
    root = project(tmp_path, {**files, "api.Dockerfile": "FROM scratch\nCOPY . /srv/\n"})
    cache = ScanCache(None)

    def sent(dockerfile: str, run_key: str) -> set[str]:
        found = analyse_dockerfile(Target(root / dockerfile, root), root, cache=cache, run_key=run_key)
        assert found.report is not None
        return set(found.report.paths)

    first = sent("Dockerfile", "run-1#1")
    (root / "added-later.txt").write_text("x")
    # The second Dockerfile of the same run judges the same state of the tree...
    assert sent("api.Dockerfile", "run-1#1") == first
    # ...and the next run (or a rerun: another attempt) sees the file.
    assert "added-later.txt" in sent("api.Dockerfile", "run-1#2")


def test_what_runs_share_is_dropped_two_runs_later(tmp_path: Path) -> None:
    root = project(tmp_path, {**BASE, ".dockerignore": ".checkdeck\n", "Dockerfile": "FROM scratch\nCOPY . /srv/\n"})
    for n in range(5):
        analyse_dockerfile(Target(root / "Dockerfile", root), root, cache=ScanCache(None), run_key=f"run#{n}")
    assert {key[0] for key in analysis._shared} == {"run#3", "run#4"}
