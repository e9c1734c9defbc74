"""How the image starts, understood through entrypoint scripts; and a summary that says what
was checked when no entrypoint is understood ("passed" never means "checked nothing")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import run_specs, write_tree
from validators.engine.model import Status, ValidatorSpec

pytestmark = pytest.mark.anyio
APP = {
    ".dockerignore": ".checkdeck\n**/monitoring/\n",
    "app/__init__.py": "",
    "app/main.py": "from app.services import monitoring\n",
    "app/services/__init__.py": "",
    "app/services/monitoring/__init__.py": "",
}


project = write_tree


async def check(root: Path) -> tuple[Status, str, list[str]]:
    summary, _ = await run_specs(root, [ValidatorSpec("context", "dockerignore", {})])
    [result] = summary.results
    return result.status, result.summary, [f.rule for f in result.findings]


async def test_an_entrypoint_script_that_execs_cmd_is_followed(tmp_path: Path) -> None:
    files = {
        **APP,
        "docker/entrypoint.sh": '#!/bin/sh\nset -e\necho starting\nexec "$@"\n',
        "Dockerfile": (
            "FROM python:3.11\nWORKDIR /srv\nCOPY . .\nCOPY docker/entrypoint.sh /entrypoint.sh\n"
            'ENTRYPOINT ["/entrypoint.sh"]\nCMD ["python", "-m", "app.main"]\n'
        ),
    }
    status, summary, rules = await check(project(tmp_path, files))
    assert status is Status.FAILED and rules == ["python/module-not-in-image"]
    assert re.search(r"followed \d+ modules from CMD$", summary), summary


async def test_no_entrypoint_checks_the_packages_the_image_copies_and_says_so(tmp_path: Path) -> None:
    files = {**APP, "Dockerfile": "FROM python:3.11\nWORKDIR /srv\nCOPY . .\n"}
    status, summary, rules = await check(project(tmp_path, files))
    # Found, but only a warning: without an entrypoint nobody knows the import runs.
    assert status is Status.PASSED and rules == ["python/module-not-in-image"]
    assert summary.startswith("1 warning; ")
    assert "no entrypoint understood; followed" in summary and "of the image's packages (app)" in summary


async def test_nothing_python_to_check_is_said_in_the_summary(tmp_path: Path) -> None:
    files = {
        ".dockerignore": ".checkdeck\n",
        "site/index.html": "<p>hi</p>",
        "Dockerfile": "FROM nginx\nCOPY site /usr/share/nginx/html\n",
    }
    status, summary, rules = await check(project(tmp_path, files))
    assert status is Status.PASSED and rules == []
    assert summary.endswith("no Python entrypoint understood: set `entrypoints`")
