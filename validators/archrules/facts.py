"""What the size and definition rules need to know about one Python file, kept per file between
runs and computed in worker processes.

`facts_of_source` reads the lines as the import scanner does (strings and comments masked,
indentation and brackets followed) at several times the speed of CPython's parser, which
would take ~8 s of CPU per million lines; `facts_of_source_ast` is the same answer from
`ast`, which tests/test_architecture_facts.py holds it to on real code."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

from validators.engine.safe_read import read_regular
from validators.pyimports.scan import code_lines


@dataclass(frozen=True)
class Function:
    name: str  # qualified within the file: "Class.method", "outer.inner"
    line: int
    body_lines: int  # first statement after the docstring to the end of the last one


@dataclass(frozen=True)
class ClassDef:
    name: str
    line: int
    methods: int
    top_level: bool


@dataclass(frozen=True)
class FileFacts:
    lines: int
    functions: tuple[Function, ...] = ()
    classes: tuple[ClassDef, ...] = ()
    syntax_error: tuple[int, str] | None = None  # (line, CPython's message)
    undecodable: str | None = None  # why the bytes are not Python source text

    def encode(self) -> str:
        return json.dumps(
            [
                self.lines,
                [[f.name, f.line, f.body_lines] for f in self.functions],
                [[c.name, c.line, c.methods, c.top_level] for c in self.classes],
                list(self.syntax_error) if self.syntax_error else None,
                self.undecodable,
            ],
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> FileFacts:
        lines, functions, classes, error, undecodable = json.loads(text)
        return cls(
            lines,
            tuple(Function(*f) for f in functions),
            tuple(ClassDef(*c) for c in classes),
            (error[0], error[1]) if error else None,
            undecodable,
        )


def _body_lines(body: list[ast.stmt]) -> int:
    first = 0
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        if isinstance(body[0].value.value, str):
            first = 1  # the docstring is documentation, not length
    if first >= len(body):
        return 0
    end = body[-1].end_lineno or body[-1].lineno
    return end - body[first].lineno + 1


def facts_of_source_ast(data: bytes) -> FileFacts:
    lines = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
    try:
        tree = ast.parse(data)
    except SyntaxError as exc:
        if isinstance(exc.__cause__, UnicodeDecodeError) or "codec can't decode" in str(exc.msg):
            return FileFacts(lines, undecodable=exc.msg)
        return FileFacts(lines, syntax_error=(exc.lineno or 1, exc.msg))
    except ValueError as exc:  # NUL bytes
        return FileFacts(lines, syntax_error=(1, str(exc)))
    functions: list[Function] = []
    classes: list[ClassDef] = []
    stack: list[tuple[ast.AST, str, bool]] = [(tree, "", True)]
    while stack:
        node, prefix, top = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                functions.append(Function(name, child.lineno, _body_lines(child.body)))
                stack.append((child, name + ".", False))
            elif isinstance(child, ast.ClassDef):
                name = prefix + child.name
                methods = sum(isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) for s in child.body)
                classes.append(ClassDef(name, child.lineno, methods, top))
                stack.append((child, name + ".", False))
            elif not isinstance(child, (ast.expr, ast.Lambda)):
                # Definitions under if/try/with at module level are still top level.
                stack.append((child, prefix, top))
    functions.sort(key=lambda f: f.line)
    classes.sort(key=lambda c: c.line)
    return FileFacts(lines, tuple(functions), tuple(classes))


# Names end at the bracket or colon: identifiers may be any letters, not only ASCII ones.
_DEF = re.compile(rb"[ \t]*(?:async[ \t]+)?def[ \t]+([^\s(:]+)")
_CLASS = re.compile(rb"[ \t]*class[ \t]+([^\s(:]+)")
_DOCSTRING = re.compile(rb"[ \t]*(?:[rRuU]?S[ \t]*)+")
PENDING = -2  # the first statement is a decorated definition whose `def` is yet to come
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"()[]{}")
_KEYWORDS = (b"def", b"async", b"class")


class _Block:
    __slots__ = ("body", "body_indent", "first", "indent", "is_class", "methods", "name", "start")

    def __init__(self, name: str, start: int, indent: int, is_class: bool) -> None:
        self.name, self.start, self.indent, self.is_class = name, start, indent, is_class
        self.body_indent = -1  # the indent of the body's statements; -1 until the first one
        self.first = -1  # the first statement after the docstring
        self.methods = 0
        self.body = 0  # an inline body (`def f(): return 1`): its lines


def facts_of_source(data: bytes) -> FileFacts:
    total = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
    lines, continued, problem = code_lines(data)
    if problem is not None:
        if "UTF-8" in problem.message:
            return FileFacts(total, undecodable=problem.message)
        return FileFacts(total, syntax_error=(problem.line, problem.message))
    functions: list[Function] = []
    classes: list[ClassDef] = []
    stack: list[_Block] = []
    depth = 0
    last_code = -1  # the last line with code on it

    def close(block: _Block, end: int) -> None:
        if block.is_class:
            classes.append(ClassDef(_qualified(stack, block), block.start + 1, block.methods, not stack))
            return
        if block.body:
            body = end - block.first + 1  # an inline body, from the header's last line
        elif block.first < 0:
            body = 0
        else:
            body = end - block.first + 1
        functions.append(Function(_qualified(stack, block), block.start + 1, body))

    header: _Block | None = None  # a definition whose header line (or lines) is not over yet

    for i, line in enumerate(lines):
        starts = depth == 0 and i not in continued
        depth_before = depth
        brackets = line.translate(None, _NOT_BRACKETS)
        if brackets:
            depth += (
                brackets.count(b"(")
                + brackets.count(b"[")
                + brackets.count(b"{")
                - brackets.count(b")")
                - brackets.count(b"]")
                - brackets.count(b"}")
            )
            depth = max(depth, 0)
        stripped = line.strip()
        if not stripped:
            continue
        before, last_code = last_code, i
        if starts:
            head = line[: len(line) - len(line.lstrip(b" \t"))]
            indent = len(head.expandtabs(8)) if b"\t" in head else len(head)
            while stack and indent <= stack[-1].indent:
                close(stack.pop(), before)
            if stack:
                top = stack[-1]
                # ast puts a decorated definition on its `def` line, not on its decorators.
                decorator = stripped.startswith(b"@")
                if top.body_indent < 0:
                    top.body_indent = indent
                    # A docstring is not length: then the first statement is the next one.
                    if top.is_class or not _DOCSTRING.fullmatch(stripped):
                        top.first = PENDING if decorator else i
                elif top.first in (-1, PENDING) and indent == top.body_indent:
                    top.first = PENDING if decorator else i
            match = (_DEF.match(line) or _CLASS.match(line)) if stripped.startswith(_KEYWORDS) else None
            if match is not None:
                is_class = match.re is _CLASS
                block = _Block(match.group(1).decode("utf-8", "replace"), i, indent, is_class)
                if not is_class and stack and stack[-1].is_class and indent == stack[-1].body_indent:
                    stack[-1].methods += 1
                stack.append(block)
                header = block
        if header is not None:
            # The header ends at its colon: a body on the same line follows it, else the body
            # is the indented block below.
            colon = stripped.find(b":") if not brackets and not depth_before else _outer_colon(stripped, depth_before)
            if colon >= 0:
                rest = stripped[colon + 1 :].strip()
                if rest and not rest.startswith(b"#"):
                    header.body, header.first = 1, i
                    if _DOCSTRING.fullmatch(rest):
                        header.body, header.first = 0, -1
                header = None
            elif depth == 0 and i + 1 not in continued:
                header = None
    while stack:
        close(stack.pop(), last_code)
    functions.sort(key=lambda f: f.line)
    classes.sort(key=lambda c: c.line)
    return FileFacts(total, tuple(functions), tuple(classes))


def _outer_colon(text: bytes, depth: int) -> int:
    """Where a line (that starts inside `depth` brackets) has its first colon outside all
    brackets, which ends a definition's header; -1 if it has none."""
    for index, char in enumerate(text):
        if char in b"([{":
            depth += 1
        elif char in b")]}":
            depth -= 1
        elif char == 58 and depth == 0:  # ":"
            return index
    return -1


def _qualified(stack: list[_Block], block: _Block) -> str:
    return ".".join([*(b.name for b in stack), block.name])


def facts_of_file(path: str) -> str | None:
    """A worker's job: the encoded facts of one file, or None when it cannot be read."""
    try:
        data = read_regular(path)
    except OSError:
        return None
    return facts_of_source(data).encode()


def parsed_facts_of_file(path: str) -> str | None:
    """The same from CPython's parser, which also finds the errors only the grammar shows
    (`x = = 1`, a bad f-string on 3.11), at about twice the cost."""
    try:
        data = read_regular(path)
    except OSError:
        return None
    return facts_of_source_ast(data).encode()


__all__ = [
    "ClassDef",
    "FileFacts",
    "Function",
    "facts_of_file",
    "facts_of_source",
    "facts_of_source_ast",
    "parsed_facts_of_file",
]
