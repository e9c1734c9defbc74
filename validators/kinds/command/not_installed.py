"""A command that failed because its tool is not there: the shell's "not found" (exit 127),
Python's "No module named X" for `python -m X`, or a program that cannot be executed (126).
That is a set-up error with an install hint, never a failed check."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

_NOT_FOUND = re.compile(r"(?:^|: )(?P<name>[^\s:]+): (?:command )?not found$|^(?P<zsh>\S+): command not found")
_NO_MODULE = re.compile(r"No module named (?P<name>[\w.]+)")
_CANNOT_RUN = re.compile(r"(?:^|: )(?P<name>[^\s:]+): Permission denied$")

# What the tools people run here are installed with.
INSTALL = {
    "ruff": "pip install ruff  (or: uv tool install ruff)",
    "mypy": "pip install mypy",
    "pytest": "pip install pytest",
    "py.test": "pip install pytest",
    "black": "pip install black",
    "flake8": "pip install flake8",
    "pylint": "pip install pylint",
    "uv": "pip install uv",
    "poetry": "pipx install poetry",
    "gcc": "apt-get install gcc",
    "make": "apt-get install make",
    "docker": "apt-get install docker.io",
    "node": "install Node.js: https://nodejs.org",
    "npm": "install Node.js: https://nodejs.org",
    "npx": "install Node.js: https://nodejs.org",
}


@dataclass(frozen=True)
class NotInstalled:
    what: str  # "ruff", "the Python module mypy"
    said: str  # the line that says so
    install: str  # a command line that installs it, or what to do when there is none

    def advice(self) -> str:
        if self.install.startswith(("pip ", "pipx ", "apt-get ", "chmod ")) or " -m pip " in self.install:
            return f"install it with: {self.install}"
        return self.install


def _python_of(command: str, module: str) -> str | None:
    """The interpreter in `... PY -m module ...`, or None when the command is not that."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    for i in range(len(words) - 2):
        if words[i + 1] == "-m" and words[i + 2].split(".")[0] == module.split(".")[0]:
            return words[i]
    return None


def missing_tool(command: str, code: int, first_lines: list[str]) -> NotInstalled | None:
    lines = [line.strip() for line in first_lines if line.strip()]
    if code == 127:
        for line in lines:
            m = _NOT_FOUND.search(line)
            if m:
                name = m["name"] or m["zsh"]
                return NotInstalled(
                    name, line, INSTALL.get(name, f"install {name}, or add the folder that holds it to PATH")
                )
    if code == 126:
        for line in lines:
            m = _CANNOT_RUN.search(line)
            if m:
                return NotInstalled(m["name"], line, f"chmod +x {m['name']}")
    if code != 0:
        for line in lines[:3]:
            m = _NO_MODULE.search(line)
            if m is None:
                continue
            python = _python_of(command, m["name"])
            if python is None:
                continue  # an import error inside the tool's run, not a missing tool
            package = m["name"].split(".")[0]
            return NotInstalled(
                f"the Python module {package} (for {python})", line, f"{python} -m pip install {package}"
            )
    return None
