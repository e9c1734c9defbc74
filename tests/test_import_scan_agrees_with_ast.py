"""The import scanner reads imports as CPython does: compared with `ast` over the installed
site-packages and the standard library of the test environment, file by file."""

from __future__ import annotations

import ast
import sysconfig
from pathlib import Path

from validators.pyimports.scan import FUNCTION, GUARDED, MODULE, TYPING, needs_parser, scan_source

_CATCHES = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
Row = tuple[str, int, tuple[str, ...], int, str]


def _ancestors(parents: dict[ast.AST, ast.AST], node: ast.AST) -> list[tuple[ast.AST, ast.AST]]:
    """(ancestor, the child of it on the way down to node), nearest first."""
    chain = []
    while node in parents:
        chain.append((parents[node], node))
        node = parents[node]
    return chain


def _where(parents: dict[ast.AST, ast.AST], node: ast.AST) -> str | None:
    """Where CPython runs an import: never (under `if TYPE_CHECKING:`), at import time, only
    when a function is called, or with ImportError caught before the nearest function."""
    guarded = False
    in_function = False
    for ancestor, child in _ancestors(parents, node):
        if isinstance(ancestor, ast.If) and child in ancestor.body:
            test = ancestor.test
            if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
                isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING" and isinstance(test.value, ast.Name)
            ):
                return TYPING
        if in_function:
            continue
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            in_function = True
        elif isinstance(ancestor, (ast.Try, ast.TryStar)) and child in ancestor.body:
            for handler in ancestor.handlers:
                caught = list(ast.walk(handler.type)) if handler.type else []
                names = {getattr(n, "id", None) or getattr(n, "attr", None) for n in caught}
                guarded = guarded or handler.type is None or bool(names & _CATCHES)
    return GUARDED if guarded else FUNCTION if in_function else MODULE


def reference(tree: ast.Module) -> list[Row]:
    # Imports are statements: only statement lists need walking, not expressions.
    parents: dict[ast.AST, ast.AST] = {}
    imports: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.AST] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.append(node)
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, field, None) or ():
                if isinstance(child, ast.AST):
                    parents[child] = node
                    pending.append(child)
    rows: list[Row] = []
    for node in imports:
        where = _where(parents, node)
        if isinstance(node, ast.Import):
            rows += [(alias.name, 0, (), node.lineno, where) for alias in node.names]
        else:
            rows.append((node.module or "", node.level, tuple(a.name for a in node.names), node.lineno, where))
    return sorted(rows, key=lambda row: (row[3], row[0]))


def scanned(data: bytes) -> list[Row] | str:
    result = scan_source(data)
    if result.error is not None:
        return f"line {result.error.line}: {result.error.message}"
    rows = [(ref.module, ref.level, ref.names, ref.line, ref.where) for ref in result.imports]
    return sorted(rows, key=lambda row: (row[3], row[0]))


def test_the_scanner_finds_what_ast_finds_in_thousands_of_real_files() -> None:
    # The test environment's own packages and the standard library, without its test suites
    # (many are deliberately broken) and without packages installed into the base Python.
    roots = {Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib", "stdlib")}
    skip = {"site-packages", "test", "tests"}
    files = sorted(
        {
            f
            for root in roots
            for f in root.rglob("*.py")
            if f.is_file() and (root.name == "site-packages" or not skip & set(f.relative_to(root).parts))
        }
    )
    compared = by_parser = 0
    differences = []
    for file in files:
        data = file.read_bytes()
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError):
            continue  # test data for broken files; the scanner sees only token-level errors
        compared += 1
        by_parser += needs_parser(data)
        expected, got = reference(tree), scanned(data)
        if isinstance(got, str):
            differences.append((file, got))
        elif got != expected:
            differences.append((file, sorted(set(got) ^ set(expected), key=lambda row: row[3])[:3]))
    assert compared > 2500
    # The line scan is what is tested here, not the fallback to `ast`.
    assert by_parser < compared / 50
    assert differences == []
