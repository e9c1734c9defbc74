from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.helpers import processes_with


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def marker() -> Iterator[str]:
    """A unique string to put in test commands; the test fails if a process carrying it survives."""
    value = f"cdmark{uuid.uuid4().hex[:12]}"
    yield value
    leaked = processes_with(value)
    assert not leaked, f"processes left behind: {leaked}"
