"""The line reader of function lengths, methods and classes gives CPython's `ast` answer: on
tricky cases written out, on this repository, and on the standard library."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import pytest

from validators.archrules.facts import facts_of_source, facts_of_source_ast

ROOT = Path(__file__).resolve().parent.parent

CASES = {
    "decorated": b"def f():\n    @wraps(g)\n    @other\n    def inner():\n        return 1\n    return inner\n",
    "docstring then code": b'def f():\n    """Doc\n    more."""\n\n    x = 1\n\n    return x\n',
    "only a docstring": b'class A:\n    def f(self):\n        """Nothing else."""\n',
    "inline body": b"def f(): return 1\ndef g(x): return x or \\\n    2\nclass C: pass\n",
    "inline over brackets": b"def f(x): return (x +\n    1)\n",
    "inline docstring": b'def f(): "doc"\n',
    "multi-line signature": b"def f(\n    a: int,\n    b: int = (1, 2),\n) -> dict[str, int]:\n    return {}\n",
    "annotation after a backslash": b"def f(a) \\\n        -> int:\n    '''Doc.'''\n    return a\n",
    "stub": b"def f(\n    x: int\n) -> int: ...\n",
    "methods and nesting": b"class A(B):\n    x = 1\n    def a(self): pass\n    async def b(self):\n        def c(): pass\n        return c\n    if x:\n        def d(self): pass\n    class Inner:\n        def e(self): pass\n",
    "under if at the top": b"import sys\nif sys.version_info > (3,):\n    class A:\n        pass\nelse:\n    class A:\n        pass\n",
    "strings and comments": b"def f():\n    x = '''\ndef fake():\n    pass\n'''\n    # def commented():\n    return x  # trailing\n    # a comment after the end\n\n\ny = 1\n",
    "tabs": b"def f():\n\tif True:\n\t\treturn 1\n\treturn 2\n",
    "unicode name": "def cassé():\n    return 'é'\nclass Ünïcode:\n    def ñ(self): pass\n".encode(),
    "lambda defaults": b"def f(key=lambda item: item[0]):\n    return key\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_written_out_cases(name: str) -> None:
    data = CASES[name]
    ast_facts = facts_of_source_ast(data)
    assert ast_facts.syntax_error is None, ast_facts.syntax_error
    assert facts_of_source(data) == ast_facts


def _sources() -> list[Path]:
    ours = [p for folder in ("validators", "tui", "tests", "benchmarks") for p in sorted((ROOT / folder).rglob("*.py"))]
    stdlib = sorted(Path(sysconfig.get_paths()["stdlib"]).glob("*.py"))
    return ours + stdlib


def test_same_answer_as_ast_on_real_code() -> None:
    checked = 0
    differ = []
    for path in _sources():
        data = path.read_bytes()
        expected = facts_of_source_ast(data)
        if expected.syntax_error or expected.undecodable:
            continue
        got = facts_of_source(data)
        checked += 1
        if (got.lines, got.functions, got.classes) != (expected.lines, expected.functions, expected.classes):
            differ.append(str(path))
    assert checked > 300
    assert differ == []


def test_broken_files_are_said_as_the_import_scan_says_them() -> None:
    assert facts_of_source(b"def f(:\n    pass\n").syntax_error is not None
    assert facts_of_source(b"x = 'open\n").syntax_error == (1, "unterminated string literal (detected at line 1)")
    assert facts_of_source(b"x = '\xe9'\n").undecodable == "the file is not valid UTF-8"
