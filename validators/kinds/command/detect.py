"""Commands worth running in a project without config: its pytest suite, ruff, mypy."""

from __future__ import annotations

import tomllib
from pathlib import Path

from validators.engine.model import ValidatorSpec


def _python(project_dir: Path) -> str:
    """The project's own interpreter when it has a local venv: checkdeck runs in its own."""
    for candidate in (".venv/bin/python", "venv/bin/python"):
        if (project_dir / candidate).is_file():
            return candidate
    return "python3"


def _pyproject(project_dir: Path) -> dict[str, object]:
    try:
        return tomllib.loads((project_dir / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def _has_tests(project_dir: Path) -> str | None:
    for folder in ("tests", "test"):
        root = project_dir / folder
        if root.is_dir():
            for pattern in ("test_*.py", "*_test.py"):
                if next(root.rglob(pattern), None) is not None:
                    return f"{folder}/ has {pattern} files"
    if (project_dir / "pytest.ini").is_file():
        return "pytest.ini"
    tool = _pyproject(project_dir).get("tool")
    if isinstance(tool, dict) and isinstance(tool.get("pytest"), dict):
        return "[tool.pytest] in pyproject.toml"
    return None


def detect(project_dir: Path) -> list[ValidatorSpec]:
    specs: list[ValidatorSpec] = []
    python = _python(project_dir)
    why = _has_tests(project_dir)
    if why:
        specs.append(ValidatorSpec("tests", "command", {"run": f"{python} -m pytest -q"}, source=f"detected: {why}"))
    tool = _pyproject(project_dir).get("tool")
    tool = tool if isinstance(tool, dict) else {}
    if "ruff" in tool or (project_dir / "ruff.toml").is_file() or (project_dir / ".ruff.toml").is_file():
        ruff = next((c for c in (".venv/bin/ruff", "venv/bin/ruff") if (project_dir / c).is_file()), "ruff")
        specs.append(
            ValidatorSpec(
                "ruff",
                "command",
                {"run": f"{ruff} check --output-format concise .", "findings": "ruff"},
                source="detected: ruff config",
            )
        )
    if "mypy" in tool or (project_dir / "mypy.ini").is_file():
        specs.append(
            ValidatorSpec(
                "mypy", "command", {"run": f"{python} -m mypy .", "findings": "mypy"}, source="detected: mypy config"
            )
        )
    return specs
