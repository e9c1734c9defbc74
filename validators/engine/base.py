"""What a validator kind is: its config keys and one async `run` that reports through a context."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from validators.engine.model import Status, ValidatorSpec

if TYPE_CHECKING:
    from validators.engine.run_context import RunContext


@dataclass(frozen=True)
class Option:
    """A kind-specific config key. `check` turns the TOML value into what the validator wants
    or raises ValueError with a message for the user."""

    doc: str
    required: bool = False
    check: Callable[[object], object] | None = None
    type_name: str = "string"


@dataclass(frozen=True)
class Outcome:
    status: Status
    summary: str
    exit_code: int | None = None
    # (label, text) rows for the Info tab and reports: what was checked, what was tried.
    details: tuple[tuple[str, str], ...] = ()


class Validator(ABC):
    kind: ClassVar[str]
    description: ClassVar[str]
    options: ClassVar[Mapping[str, Option]] = {}

    def __init__(self, spec: ValidatorSpec, project_dir: Path) -> None:
        self.spec = spec
        self.project_dir = project_dir

    def describe(self) -> str:
        """One line saying what this validator targets (a command, a Dockerfile)."""
        return self.kind

    def target(self) -> str:
        """What it checks, plainly, for reports: a command line, a Dockerfile's path, a URL."""
        return self.describe()

    @abstractmethod
    async def run(self, ctx: RunContext) -> Outcome:
        """Do the check, reporting log lines, findings and progress through ctx."""
