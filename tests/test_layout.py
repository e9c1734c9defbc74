"""The package layout keeps its promises: every kind plugs in through one registry line, and
loading a config imports only the kinds it names (never their heavy dependencies)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from validators.engine import registry
from validators.engine.base import Validator

ROOT = Path(__file__).resolve().parent.parent
KINDS_DIR = ROOT / "validators" / "kinds"

PROBE = """
import json, sys
from tui.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def loaded_by(args: list[str], cwd: Path) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stdout + done.stderr
    return done.stdout, set(report["modules"])


def test_every_kind_package_has_a_registry_line_that_resolves() -> None:
    packages = sorted(p.name for p in KINDS_DIR.iterdir() if (p / "__init__.py").is_file())
    assert packages == sorted(kind.replace("-", "_") for kind in registry.KINDS)
    for kind in registry.KINDS:
        cls = registry.validator_class(kind)
        assert issubclass(cls, Validator) and cls.kind == kind
        assert cls.options is registry.options(kind)
        assert callable(registry.detector(kind))


def test_list_on_a_command_only_project_imports_no_other_kind(tmp_path: Path) -> None:
    (tmp_path / "checkdeck.toml").write_text('[[validators]]\nname = "unit"\nkind = "command"\nrun = "true"\n')
    out, modules = loaded_by(["list", str(tmp_path)], ROOT)
    assert "unit" in out
    heavy = {"docker", "grimp", "websockets", "textual", "pathspec", "rich", "anyio"}
    assert not {m.split(".")[0] for m in modules} & heavy
    assert not [m for m in modules if m.startswith("validators.kinds.dockerignore")]
    # The context subcommand's parser needs the builder names, nothing of the library itself.
    assert {m for m in modules if m.startswith("validators.docker")} <= {
        "validators.docker",
        "validators.docker.builders",
    }


@pytest.mark.parametrize("files", [{"Dockerfile": "FROM scratch\n"}])
def test_detection_asks_each_kind(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x():\n    pass\n")
    out, modules = loaded_by(["list", str(tmp_path)], ROOT)
    assert "tests" in out and "command" in out and "dockerignore" in out
    assert "docker" not in {m.split(".")[0] for m in modules}  # the build-context library is ours, not the SDK
