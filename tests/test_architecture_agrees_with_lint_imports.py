"""The same contracts give the same verdicts and the same illegal chains as `lint-imports` (run
as users run it), and checkdeck's graph has exactly grimp's modules and imports, on a fixture
that uses the import forms that need care: relative, `from . import`, star, aliases,
multi-line, in functions, under TYPE_CHECKING, and external packages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import grimp
import pytest

from tests.helpers import write_tree
from validators.archrules import contracts, graph
from validators.archrules.layout import find_layout
from validators.pyimports.cache import ScanCache

FILES = {
    "market/__init__.py": "from . import config\n",
    "market/config.py": "import os\n",
    "market/web/__init__.py": "",
    "market/web/views.py": (
        "from typing import TYPE_CHECKING\n"
        "from ..domain import (\n    orders,\n    prices as p,\n)\n"
        "import market.store.sql as sql\n"
        "if TYPE_CHECKING:\n    from market.store import cache\n"
    ),
    "market/web/forms.py": "from .views import *\n\n\ndef later():\n    from market.domain.orders import Order\n",
    "market/domain/__init__.py": "",
    "market/domain/orders.py": "import json\nfrom market.domain import prices\n\n\nclass Order:\n    pass\n",
    "market/domain/prices.py": "from decimal import Decimal\nfrom market.store.sql import query\n",
    "market/domain/legacy.py": "try:\n    import market.web.views\nexcept ImportError:\n    pass\n",
    "market/store/__init__.py": "",
    "market/store/sql.py": "import sqlite3\n\n\ndef query():\n    from market.domain.orders import Order\n",
    "market/store/cache.py": "from market.store import sql\nimport os.path\n",
    "market/store/__main__.py": "from . import cache\n",
}

CONTRACTS = """
[tool.importlinter]
root_packages = ["market"]
include_external_packages = true

[[tool.importlinter.contracts]]
id = "layers"
name = "Layers"
type = "layers"
layers = ["market.web", "market.domain", "market.store"]

[[tool.importlinter.contracts]]
id = "containers"
name = "Siblings"
type = "layers"
containers = ["market"]
layers = ["web", "domain | store"]

[[tool.importlinter.contracts]]
id = "no-json"
name = "Store does not use json"
type = "forbidden"
source_modules = ["market.store", "market.domain"]
forbidden_modules = ["json", "sqlite3"]

[[tool.importlinter.contracts]]
id = "indep"
name = "Independent"
type = "independence"
modules = ["market.web", "market.store"]

[[tool.importlinter.contracts]]
id = "protect"
name = "SQL only from domain"
type = "protected"
protected_modules = ["market.store.sql"]
allowed_importers = ["market.domain"]

[[tool.importlinter.contracts]]
id = "acyclic"
name = "No cycles"
type = "acyclic_siblings"
ancestors = ["market"]

[[tool.importlinter.contracts]]
id = "kept"
name = "Config depends on nothing"
type = "forbidden"
source_modules = ["market.config"]
forbidden_modules = ["market.web", "market.store"]
"""

ARROW = re.compile(r"([\w.]+) -> ([\w.]+) \((l\.[^)]*)\)")
SINGLE = re.compile(r"([\w.]+) \((l\.[^)]*)\)")
Edges = set[tuple[str, str, tuple[int, ...]]]


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"l\.(\d+)", text))


def _chain_edges(lines: list[str]) -> Edges:
    """Edges of lint-imports' chains: `- a -> b (l.1)` and its continuation lines, where
    `& x (l.2)` is another importer of the next module (before the first arrow) or another
    module imported by the last importer (after it)."""
    edges: Edges = set()
    heads: list[tuple[str, tuple[int, ...]]] = []
    last_importer: str | None = None
    active = False
    for raw in lines:
        text = raw.strip()
        if text.startswith("- "):
            active, heads, last_importer = True, [], None
            text = text[2:].strip()
        elif not active:
            continue
        text = text.removeprefix("& ")
        if m := ARROW.fullmatch(text):
            edges.add((m.group(1), m.group(2), _numbers(m.group(3))))
            edges.update((head, m.group(2), numbers) for head, numbers in heads)
            heads, last_importer = [], m.group(1)
        elif m := SINGLE.fullmatch(text):
            if last_importer is None:
                heads.append((m.group(1), _numbers(m.group(2))))
            else:
                edges.add((last_importer, m.group(1), _numbers(m.group(2))))
        elif not text:
            active = False
    return edges


def pairs(lines: list[str]) -> dict[str, int]:
    """How many chains lint-imports shows under each `a is not allowed to import b:`."""
    out: dict[str, int] = {}
    current = None
    for raw in lines:
        if raw.endswith(":") and " is not allowed to import " in raw:
            current = raw[:-1]
            out[current] = 0
        elif current is not None and raw.strip().startswith("- "):
            out[current] += 1
    return out


def lint_imports_text(root: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1", "COLUMNS": "250"}
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    return done.stdout


def lint_imports(root: Path) -> tuple[dict[str, bool], dict[str, Edges]]:
    """Verdict and chain edges per contract name, from lint-imports' own text output."""
    verdicts, sections = lint_imports_sections(root)
    return verdicts, {name: _chain_edges(body) for name, body in sections.items()}


def lint_imports_sections(root: Path) -> tuple[dict[str, bool], dict[str, list[str]]]:
    stdout = lint_imports_text(root)
    verdicts = {m.group(1): m.group(2) == "KEPT" for m in re.finditer(r"^(.+?) (KEPT|BROKEN)$", stdout, re.M)}
    sections: dict[str, list[str]] = {}
    lines = stdout.splitlines()
    current: list[str] | None = None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and lines[i + 1] and set(lines[i + 1]) == {"-"} and len(lines[i + 1]) == len(line):
            current = sections.setdefault(line, [])
        elif current is not None:
            current.append(line)
    return verdicts, sections


def checkdeck(root: Path) -> tuple[dict[str, bool], dict[str, Edges], graph.BuiltGraph]:
    config = contracts.read_importlinter(root, root / "pyproject.toml")
    layout = find_layout(root, config.roots)
    cache = ScanCache(None)
    scans = {m.path: cache.get(str(root / m.path)) for m in layout.modules}
    built = graph.build(layout, scans, include_external=True, exclude_type_checking=False)
    session = {**config.session, "root_packages": config.roots}
    verdicts: dict[str, bool] = {}
    edges: dict[str, Edges] = {}
    for spec in config.contracts:
        result = contracts.check(spec, session, built.graph)
        assert result.error is None, result.error
        verdicts[spec.name] = result.kept
        edges[spec.name] = {
            (e.importer, e.imported, e.lines)
            for v in result.violations
            for e in (*v.chain, *v.extra_firsts, *v.extra_lasts)
        }
    return verdicts, edges, built


@pytest.fixture(scope="module")
def fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agree")
    write_tree(root, {**FILES, "pyproject.toml": CONTRACTS})
    return root


def test_the_graph_is_grimps_graph(fixture: Path) -> None:
    _, _, built = checkdeck(fixture)
    sys.path.insert(0, str(fixture))
    try:
        theirs = grimp.build_graph("market", include_external_packages=True, cache_dir=None)
    finally:
        sys.path.remove(str(fixture))

    def edges(g: grimp.ImportGraph) -> set[tuple[str, str, int]]:
        return {
            (m, imported, d["line_number"])
            for m in g.modules
            for imported in g.find_modules_directly_imported_by(m)
            for d in g.get_import_details(importer=m, imported=imported)
        }

    assert built.graph.modules == theirs.modules
    assert {m for m in theirs.modules if theirs.is_module_squashed(m)} == built.externals
    assert edges(built.graph) == edges(theirs)
    assert len(edges(theirs)) > 15


def test_same_verdicts_and_same_illegal_chains_as_lint_imports(fixture: Path) -> None:
    their_verdicts, their_edges = lint_imports(fixture)
    our_verdicts, our_edges, _ = checkdeck(fixture)
    assert our_verdicts == their_verdicts
    assert set(their_verdicts.values()) == {True, False}  # the fixture keeps some and breaks some
    for name, kept in their_verdicts.items():
        if kept:
            continue
        if name == "No cycles":
            # lint-imports prints cycle breakers with relative names and counts, not lines.
            assert our_edges[name]
            continue
        assert our_edges[name] == their_edges[name], name


def test_same_illegal_dependencies_and_chain_counts(fixture: Path) -> None:
    """The comparison that also holds where several shortest chains tie (lint-imports itself
    picks among them differently from run to run on big graphs)."""
    _, sections = lint_imports_sections(fixture)
    config = contracts.read_importlinter(fixture, fixture / "pyproject.toml")
    _, _, built = checkdeck(fixture)
    for spec in config.contracts:
        if spec.type not in ("layers", "forbidden", "independence"):
            continue
        result = contracts.check(spec, {**config.session, "root_packages": config.roots}, built.graph)
        ours = Counter(v.summary for v in result.violations)
        assert ours == Counter(pairs(sections.get(spec.name, []))), spec.name
