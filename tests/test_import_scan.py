"""The import scanner: statements, where they sit, syntax errors; and its on-disk cache."""

from __future__ import annotations

from pathlib import Path

from validators.pyimports.cache import ScanCache
from validators.pyimports.scan import FUNCTION, GUARDED, MODULE, TYPING, scan_source

SOURCE = b'''"""Docstring mentioning
import not_real
"""
import os, app.core as core
from . import sibling
from ..pkg.mod import (
    one,  # comment
    two as deux,
)
try:
    import ujson as json
except ImportError:
    import json
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from app.types import Never
class Service:
    import in_class_body
    def method(self):
        from app.lazy import thing
async def handler():
    try:
        import optional
    except Exception:
        pass
text = "import inside_a_string"
'''


def test_statements_and_where_they_sit() -> None:
    result = scan_source(SOURCE)
    assert result.error is None
    got = [(r.module, r.level, r.names, r.line, r.where) for r in result.imports if r.where != TYPING]
    assert got == [
        ("os", 0, (), 4, MODULE),
        ("app.core", 0, (), 4, MODULE),
        ("", 1, ("sibling",), 5, MODULE),
        ("pkg.mod", 2, ("one", "two"), 6, MODULE),
        ("ujson", 0, (), 11, GUARDED),
        ("json", 0, (), 13, MODULE),
        ("typing", 0, ("TYPE_CHECKING",), 14, MODULE),
        ("in_class_body", 0, (), 18, MODULE),
        ("app.lazy", 0, ("thing",), 20, FUNCTION),
        ("optional", 0, (), 23, GUARDED),
    ]


def test_syntax_errors_are_reported_with_cpythons_message() -> None:
    assert scan_source(b"import os\ndef f(:\n    pass\n").error is not None
    unterminated = scan_source(b"x = 1\ny = 'abc\nimport z\n").error
    assert unterminated is not None and unterminated.line == 2 and "unterminated string" in unterminated.message
    assert scan_source(b"import 3d\n").error is not None
    assert scan_source(b"import os\x00\n").error is not None
    bad_utf8 = scan_source(b"import os\nname = '\xff'\n").error
    assert bad_utf8 is not None and bad_utf8.line == 2
    assert scan_source(b"# -*- coding: latin-1 -*-\nname = '\xff'\n").error is None


def test_cache_reuses_results_until_the_file_changes(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import a\n")
    store = tmp_path / "cache.json"
    first = ScanCache(store)
    assert [r.module for r in first.get(str(module)).imports] == ["a"]  # type: ignore[union-attr]
    first.save()
    second = ScanCache(store)
    assert second.get(str(module)) is not None and (second.hits, second.misses) == (1, 0)
    module.write_text("import a\nimport b\n")
    third = ScanCache(store)
    result = third.get(str(module))
    assert result is not None and [r.module for r in result.imports] == ["a", "b"]
    assert third.misses == 1
    assert ScanCache(tmp_path / "missing.json").get(str(tmp_path / "nope.py")) is None


def test_statements_cpython_reads_that_a_line_scan_gets_wrong() -> None:
    source = b"""from typing import TYPE_CHECKING
from . import importers
from .import sibling
from pkg.sub \\
    import thing
x = 1; import after_semicolon
if TYPE_CHECKING or x:
    import runs_when_not_type_checking
if x:
    pass
elif TYPE_CHECKING:
    import never_runs
else:
    import runs_otherwise
quote = "'''"
import after_a_quoted_triple_quote
"""
    got = [(r.module, r.level, r.names, r.line, r.where) for r in scan_source(source).imports if r.where != TYPING]
    assert got == [
        ("typing", 0, ("TYPE_CHECKING",), 1, MODULE),
        ("", 1, ("importers",), 2, MODULE),
        ("", 1, ("sibling",), 3, MODULE),
        ("pkg.sub", 0, ("thing",), 4, MODULE),
        ("after_semicolon", 0, (), 6, MODULE),
        ("runs_when_not_type_checking", 0, (), 8, MODULE),
        ("runs_otherwise", 0, (), 14, MODULE),
        ("after_a_quoted_triple_quote", 0, (), 16, MODULE),
    ]


def test_one_line_compound_statements_keep_their_guards() -> None:
    source = b"try: import fast\nexcept ImportError: fast = None\ndef f(): import lazy\n"
    got = [(r.module, r.where) for r in scan_source(source).imports]
    assert got == [("fast", GUARDED), ("lazy", FUNCTION)]
