"""The three regressions that lost a team days: each `.dockerignore` line silently dropped a
first-party package; checkdeck must name the module, the importer and the deciding line, and
be quiet once the line is fixed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from validators.docker.analysis import Target
from validators.engine.model import Finding, Severity
from validators.kinds.dockerignore.verdict import check_dockerfile
from validators.pyimports.cache import ScanCache

FIXTURES = Path(__file__).parent / "fixtures" / "regressions"


def check(folder: Path, builder: str = "buildkit") -> list[Finding]:
    result = check_dockerfile(Target(folder / "Dockerfile", folder, builder), folder, cache=ScanCache(None))
    return [f for f in result.findings if f.rule.startswith("python/")]


def fixture(tmp_path: Path, name: str, fixed: bool = False) -> Path:
    folder = tmp_path / name
    shutil.copytree(FIXTURES / name, folder)
    if fixed:
        (folder / ".dockerignore").write_text((folder / "dockerignore.fixed").read_text())
    return folder


CASES = [
    # fixture, module, importer:line, where, deciding line, fix
    (
        "monitoring",
        "app.services.monitoring",
        "app/main.py",
        2,
        "at module level",
        ".dockerignore:4 `**/monitoring/`",
        "!app/services/monitoring",
    ),
    (
        "infrastructure",
        "app.infrastructure",
        "app/server.py",
        5,
        "inside a function",
        ".dockerignore:1 `**/infrastructure/`",
        "!app/infrastructure",
    ),
    (
        "cloud",
        "app.cloud_environment_detector",
        "app/__main__.py",
        1,
        "at module level",
        ".dockerignore:1 `**/cloud*`",
        "!app/cloud_environment_detector.py",
    ),
]


@pytest.mark.parametrize(("name", "module", "importer", "line", "where", "decided", "fix"), CASES)
@pytest.mark.parametrize("builder", ["buildkit", "classic"])
def test_regression_is_flagged_with_module_importer_and_line(
    tmp_path: Path, builder: str, name: str, module: str, importer: str, line: int, where: str, decided: str, fix: str
) -> None:
    [finding] = check(fixture(tmp_path, name), builder)
    assert finding.severity is Severity.ERROR
    assert finding.rule == "python/module-not-in-image"
    assert (finding.path, finding.line) == (importer, line)
    assert f"ModuleNotFoundError: {module} " in finding.message
    assert where in finding.message
    assert f"excluded by {decided}" in finding.message
    assert finding.hint == f"add `{fix}` after that line"


@pytest.mark.parametrize("name", [c[0] for c in CASES])
@pytest.mark.parametrize("builder", ["buildkit", "classic"])
def test_fixed_variant_is_clean(tmp_path: Path, builder: str, name: str) -> None:
    folder = fixture(tmp_path, name, fixed=True)
    result = check_dockerfile(Target(folder / "Dockerfile", folder, builder), folder, cache=ScanCache(None))
    assert [f for f in result.findings if f.severity is not Severity.INFO] == []


@pytest.mark.parametrize("name", [c[0] for c in CASES])
def test_the_suggested_fix_really_fixes_it(tmp_path: Path, name: str) -> None:
    folder = fixture(tmp_path, name)
    [finding] = check(folder)
    assert finding.hint is not None
    line = finding.hint.split("`")[1]
    with (folder / ".dockerignore").open("a") as f:
        f.write(line + "\n")
    assert check(folder) == []
