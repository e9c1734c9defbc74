"""The build-context check under faults: a cache it cannot write, FIFOs where files should be,
a timeout while it reads, and a build context that is a subfolder of the project."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.helpers import run_specs, write_tree
from validators.docker.build_context import ContextSpec, compute
from validators.engine.model import Status, ValidatorSpec

pytestmark = pytest.mark.anyio
MONITORING = {
    "app/__init__.py": "",
    "app/main.py": "from app.services import monitoring\n",
    "app/services/__init__.py": "",
    "app/services/monitoring/__init__.py": "",
    ".dockerignore": "**/monitoring/\n.checkdeck\n",
    "Dockerfile": 'FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCMD ["python", "-m", "app.main"]\n',
}


project = write_tree


async def test_a_cache_that_cannot_be_written_is_a_note_not_an_error(tmp_path: Path) -> None:
    root = project(tmp_path, MONITORING)
    (root / ".checkdeck").mkdir()
    (root / ".checkdeck" / "cache").write_text("a file where the cache folder should be")
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {})])
    [result] = summary.results
    assert result.status is Status.FAILED  # the real finding, not an error
    assert [f.rule for f in result.findings] == ["python/module-not-in-image"]
    assert result.log_path is not None and "import cache not saved" in result.log_path.read_text()


async def test_fifos_are_reported_not_opened(tmp_path: Path) -> None:
    root = project(tmp_path, {k: v for k, v in MONITORING.items() if k != ".dockerignore"})
    os.mkfifo(root / ".dockerignore")
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {})], default_timeout_s=60)
    [result] = summary.results
    assert result.status is Status.FAILED
    [finding] = [f for f in result.findings if f.rule == "docker/ignore-pattern-error"]
    assert "named pipe (FIFO)" in finding.message


async def test_a_fifo_module_is_unreadable_and_the_rest_is_checked(tmp_path: Path) -> None:
    root = project(tmp_path, {**MONITORING, ".dockerignore": "nothing-matches\n"})
    (root / "app" / "main.py").unlink()
    os.mkfifo(root / "app" / "main.py")
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {})], default_timeout_s=60)
    [result] = summary.results
    assert result.status is not Status.ERROR and result.duration_s < 60


async def test_a_timeout_ends_the_analysis_wherever_it_is(tmp_path: Path) -> None:
    # A 40 MB entrypoint module: seconds of scanning inside one regexp call, which no thread
    # could interrupt; the analysis runs in a process that the timeout ends.
    root = project(tmp_path, MONITORING)
    (root / "app" / "main.py").write_bytes(b"".join(b"def f_%d():\n    return %d\n" % (i, i) for i in range(1_200_000)))
    started = time.monotonic()
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {}, timeout_s=1.0)])
    [result] = summary.results
    assert result.status is Status.FAILED and result.summary == "timed out after 1.0s"
    assert time.monotonic() - started < 30


async def test_a_pattern_that_backtracking_engines_choke_on_is_matched_in_linear_time(tmp_path: Path) -> None:
    # Python's `re` takes minutes over this pattern and one 40-character name; Go (RE2) does not.
    hostile = "*a*a*a*a*a*a*a*a*a*a*a*a*c"
    files = {**MONITORING, ".dockerignore": hostile + "\n", "a" * 40: "", "a" * 39 + "c": ""}
    root = project(tmp_path, files)
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {}, timeout_s=60)])
    [result] = summary.results
    assert result.status is Status.PASSED, result.summary
    listing = compute(ContextSpec(root, builder="classic")).paths
    assert "a" * 40 in listing and "a" * 39 + "c" not in listing


async def test_finding_paths_are_relative_to_the_project_when_the_context_is_a_subfolder(tmp_path: Path) -> None:
    project(tmp_path / "service", MONITORING)
    options = {"dockerfiles": [{"path": "service/Dockerfile", "context": "service"}]}
    summary, _ = await run_specs(tmp_path, [ValidatorSpec("context", "dockerignore", options)])
    [finding] = summary.results[0].findings
    assert finding.path == "service/app/main.py" and (tmp_path / finding.path).is_file()


async def test_clutter_is_one_warning_per_folder_kind_with_its_size(tmp_path: Path) -> None:
    files = {
        **MONITORING,
        ".dockerignore": "nothing-matches\n",
        ".git/config": "[core]\n",
        ".git/objects/ab/cdef": "x" * 2041,
        ".venv/lib/site.py": "",
        "app/__pycache__/main.cpython-311.pyc": "x" * 10,
        "app/services/__pycache__/x.pyc": "x" * 10,
    }
    root = project(tmp_path, files)
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {})])
    clutter = [f for f in summary.results[0].findings if f.rule == "docker/context-clutter"]
    by_hint = {f.hint: f for f in clutter}
    assert set(by_hint) == {
        "add `.git` to .dockerignore",
        "add `.venv` to .dockerignore",
        "add `**/__pycache__` to .dockerignore",
        "add `.checkdeck` to .dockerignore",
    }
    git = by_hint["add `.git` to .dockerignore"]
    assert git.message.startswith(".git/ (2 files, 2.0 KiB)") and "the daemon receives everything" in git.message
    pycache = by_hint["add `**/__pycache__` to .dockerignore"]
    assert "app/__pycache__/, app/services/__pycache__/ (2 files" in pycache.message
    # Files inside .git are not listed one by one as secrets.
    assert not [
        f for f in summary.results[0].findings if f.rule == "docker/secret-in-context" and ".git/" in (f.path or "")
    ]


async def test_secrets_are_found_by_content_and_reported_by_path_only(tmp_path: Path) -> None:
    aws = "AKIA" + "IOSFODNN7EXAMPLE"
    files = {
        **MONITORING,
        ".dockerignore": ".checkdeck\n",
        "deploy_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        "gcp.json": '{"type": "service_account", "project_id": "p", "private_key_id": "1", "private_key": "k"}',
        "app/settings.py": f'AWS_KEY = "{aws}"\n',
        "prod.env": "DEBUG=0\nDATABASE_PASSWORD=Vq8-rT2m-x9LkP\n",
        "compose.env": "DEBUG=0\nCOMPOSE_PROJECT_NAME=shop\n",  # settings only: no secret
        "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        ".env.example": "API_TOKEN=changeme\n",
        "docs/keys.md": "Never commit -----BEGIN RSA PRIVATE KEY----- blocks.\n",
    }
    summary, _ = await run_specs(project(tmp_path, files), [ValidatorSpec("context", "dockerignore", {})])
    found = {f.path: f.message for f in summary.results[0].findings if f.rule == "docker/secret-in-context"}
    assert set(found) == {"deploy_key", "gcp.json", "app/settings.py", "prod.env"}
    assert "holds a private key" in found["deploy_key"]
    assert "holds a cloud service-account key" in found["gcp.json"]
    assert "holds an AWS access key" in found["app/settings.py"]
    assert "holds a value for DATABASE_PASSWORD" in found["prod.env"]
    assert all(aws not in message and "b3Blbn" not in message and "Vq8" not in message for message in found.values())
