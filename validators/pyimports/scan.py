"""Find the import statements of a Python file, and where each sits (module level, inside a
function, guarded by `try/except ImportError`), without building an AST.

CPython parses ~100k lines a second on these machines; this scanner reads tens of millions of
bytes a second, which is what lets a 1.3M-line codebase be analysed in seconds. It checks the
token level (strings, brackets, import syntax, encoding, NUL bytes) and confirms a suspected
syntax error with `compile()`, so the message is CPython's. An error only in the grammar
(`x = = 1`) is not seen here; Python itself reports it when that module is imported."""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass

# Regexps written as unrolled loops ("[^'\\]*(?:...[^'\\]*)*") and anchored on a literal
# newline: Python's engine is many times faster on these forms than on the textbook ones.
# Strings, comments and line continuations, matched left to right as the tokenizer reads them (so a
# `"'''"` is a one-line string, not the start of a triple-quoted one); removed before brackets
# and quotes are counted.
_NOISE = re.compile(
    rb"""'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''|\"\"\"[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*\"\"\""""
    rb"""|'[^'\\\n]*(?:\\.[^'\\\n]*)*'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"|\#[^\n]*|\\\n""",
    re.S,
)
_STATEMENT = re.compile(
    rb"\n([ \t]*)(?=[acdefimtw])(?:(import|from)|(def|async[ \t]+def|class|try|except|finally|else|elif|if"
    rb"|with|async[ \t]+with|for|async[ \t]+for|while|match|case))\b"
)
_FROM = re.compile(
    rb"from(?:[ \t]|\\\n)+((?:\.(?:[ \t]|\\\n)*)*[\w.]*)(?:(?<=\.)|(?:[ \t]|\\\n)+)import\b(?:[ \t]|\\\n)*"
    rb"(\([^)]*\)|(?:[^\n\\;#]|\\\n)*)",
    re.S,
)
_IMPORT = re.compile(rb"import[ \t]+((?:[^\n\\;#]|\\\n)*)", re.S)
_DOTTED = re.compile(r"^[^\W\d]\w*(?:\.[^\W\d]\w*)*$")
_NAME = re.compile(r"^(?:\*|[^\W\d]\w*)$")
_GUARDS = re.compile(rb"except\b[ \t]*(?::|\(?[^:]*\b(?:ImportError|ModuleNotFoundError|Exception|BaseException)\b)")
# Only a condition that is TYPE_CHECKING itself makes a block dead: `if TYPE_CHECKING or x:` runs.
_TYPE_CHECKING = re.compile(rb"[ \t]*(?:[^\W\d]\w*[ \t]*\.[ \t]*)?TYPE_CHECKING[ \t]*:")
# An import that does not start its line (`x = 1; import y`, `try: import y`): such files are
# read with `ast`, which is exact, instead of the line-based scan.
_INLINE = re.compile(rb"[;:][ \t]*(?:import|from)[ \t\\(.]")

MODULE, FUNCTION, GUARDED = "module", "function", "guarded"
# Under `if TYPE_CHECKING:`: never runs, so an image does not need it, but it is still a
# dependency between modules as import contracts (and import-linter) count them.
TYPING = "type_checking"


@dataclass(frozen=True)
class ImportRef:
    module: str  # "a.b" or "" for "from . import x"
    level: int  # leading dots
    names: tuple[str, ...]  # for "from m import a, b"; () for "import m"
    line: int
    where: str  # MODULE, FUNCTION, GUARDED or TYPING


@dataclass(frozen=True)
class SyntaxProblem:
    line: int
    message: str


@dataclass(frozen=True)
class ScanResult:
    imports: tuple[ImportRef, ...]
    error: SyntaxProblem | None = None


def _line_starts(data: bytes) -> list[int]:
    return [0, *(m.end() for m in re.finditer(rb"\n", data))]


def _confirm(data: bytes, fallback_line: int, fallback: str) -> SyntaxProblem:
    """CPython's own message for a file the scan finds broken."""
    try:
        compile(data, "<scan>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return SyntaxProblem(exc.lineno or fallback_line, exc.msg)
    except ValueError as exc:  # NUL bytes
        return SyntaxProblem(fallback_line, str(exc))
    return SyntaxProblem(fallback_line, fallback)


def _mask(data: bytes) -> tuple[bytes, list[tuple[int, int]]]:
    """In one pass of the tokenizer-like regexp: the code without strings, comments and line
    continuations, and the spans of those that cross a line (where no statement can start)."""
    pieces: list[bytes] = []
    multiline: list[tuple[int, int]] = []
    last = 0
    for m in _NOISE.finditer(data):
        start, end = m.span()
        pieces.append(data[last:start])
        last = end
        if b"\n" in m.group(0):
            multiline.append((start, end))
    pieces.append(data[last:])
    return b"".join(pieces), multiline


def _token_problem(data: bytes, masked: bytes) -> SyntaxProblem | None:
    if b"\x00" in data:
        return _confirm(data, data[: data.index(b"\x00")].count(b"\n") + 1, "source code contains a NUL byte")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not re.match(rb"(?:[^\n]*\n)?[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", data):
            return SyntaxProblem(data[: exc.start].count(b"\n") + 1, "the file is not valid UTF-8")
    if b"'" in masked or b'"' in masked:
        quote = min(i for i in (masked.find(b"'"), masked.find(b'"')) if i >= 0)
        return _confirm(data, masked[:quote].count(b"\n") + 1, "unterminated string literal")
    for opening, closing in ((b"(", b")"), (b"[", b"]"), (b"{", b"}")):
        if masked.count(opening) != masked.count(closing):
            return _confirm(data, 1, f"unbalanced {opening.decode()}{closing.decode()}")
    return None


def code_lines(data: bytes) -> tuple[list[bytes], set[int], SyntaxProblem | None]:
    """The physical lines with each string replaced by `S` and comments removed, the indexes
    of lines that continue a statement (inside a multi-line string, after a backslash), and the
    problem a tokenizer would raise, if any. A multi-line string leaves an `S` on each of its
    lines, so that a statement's last line is never taken for a blank one."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    pieces: list[bytes] = []
    continued: set[int] = set()
    last = 0
    line = 0
    for m in _NOISE.finditer(data):
        start, end = m.span()
        pieces.append(data[last:start])
        line += data.count(b"\n", last, start)
        token = m.group(0)
        if token[:1] == b"#":
            pass
        elif token == b"\\\n":
            pieces.append(b" \n")
            line += 1
            continued.add(line)
        else:
            n = token.count(b"\n")
            pieces.append(b"S" + b"\nS" * n)
            continued.update(range(line + 1, line + n + 1))
            line += n
        last = end
    pieces.append(data[last:])
    masked = b"".join(pieces)
    return masked.split(b"\n"), continued, _token_problem(data, masked)


def needs_parser(data: bytes) -> bool:
    """Whether an import may not start its line, so that the file is read with `ast`."""
    return _INLINE.search(data) is not None


def scan_source(data: bytes) -> ScanResult:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    masked, multiline = _mask(data)
    problem = _token_problem(data, masked)
    if problem is not None:
        return ScanResult((), problem)
    if needs_parser(data):
        return _scan_tree(data)
    data = b"\n" + data  # every statement now follows a newline; line numbers shift by one
    strings = [(start + 1, end + 1) for start, end in multiline]
    string_starts = [s for s, _ in strings]
    starts = _line_starts(data)

    def in_string(pos: int) -> bool:
        i = bisect.bisect_right(string_starts, pos) - 1
        return i >= 0 and strings[i][0] < pos < strings[i][1]

    headers: list[tuple[int, int, bytes, int]] = []  # (line, indent, keyword, offset)
    found: list[tuple[int, int, int, bytes]] = []  # (line, indent, offset, kind)
    for m in _STATEMENT.finditer(data):
        if in_string(m.start()):
            continue
        line = bisect.bisect_right(starts, m.start() + 1) - 1
        indent = len(m.group(1).expandtabs(8))
        if m.group(2):
            found.append((line, indent, m.start(1) + len(m.group(1)), m.group(2)))
        else:
            headers.append((line, indent, m.group(3).split()[-1], m.end(1)))
    imports: list[ImportRef] = []
    for line, indent, offset, kind in found:
        where = _where(data, headers, line, indent)
        refs = _parse(data, offset, kind, line, where)
        if refs is None:
            return ScanResult((), _confirm(data, line, "invalid import statement"))
        imports.extend(refs)
    return ScanResult(tuple(imports))


def _where(data: bytes, headers: list[tuple[int, int, bytes, int]], line: int, indent: int) -> str:
    if indent == 0:
        return MODULE
    where = MODULE
    in_function = False  # above the nearest `def`, only `if TYPE_CHECKING:` still matters
    bound = indent
    i = bisect.bisect_left(headers, (line, -1)) - 1
    while i >= 0 and bound > 0:
        _, h_indent, keyword, offset = headers[i]
        if h_indent < bound:
            bound = h_indent
            if keyword in (b"if", b"elif") and _TYPE_CHECKING.match(data, offset + len(keyword)):
                return TYPING
            if keyword == b"def" and not in_function:
                in_function = True
                where = GUARDED if where == GUARDED else FUNCTION
            elif (
                keyword == b"try" and where == MODULE and not in_function and _guarded(data, headers, i, h_indent, line)
            ):
                where = GUARDED
        i -= 1
    return where


def _guarded(data: bytes, headers: list[tuple[int, int, bytes, int]], i: int, indent: int, line: int) -> bool:
    """Whether the try at headers[i] has a handler that catches ImportError."""
    j = bisect.bisect_right(headers, (line, 1 << 30))
    while j < len(headers):
        _, h_indent, keyword, offset = headers[j]
        if h_indent < indent:
            return False
        if h_indent == indent:
            if keyword != b"except":
                return False
            if _GUARDS.match(data, offset):
                return True
        j += 1
    return False


def _names(text: str) -> tuple[str, ...] | None:
    text = text.replace("\\\n", " ").strip()
    if text.startswith("("):
        if not text.endswith(")"):
            return None
        text = text[1:-1]
    out = []
    for part in re.sub(r"#[^\n]*", "", text).replace("\n", " ").split(","):
        part = part.strip()
        if not part:
            continue
        bits = part.split()
        if len(bits) == 3 and bits[1] == "as":
            part = bits[0]
        elif len(bits) != 1:
            return None
        if not _NAME.match(part):
            return None
        out.append(part)
    return tuple(out) if out else None


def _parse(data: bytes, offset: int, kind: bytes, line: int, where: str) -> list[ImportRef] | None:
    if kind == b"from":
        m = _FROM.match(data, offset)
        if m is None:
            return None
        source = re.sub(r"[ \t]|\\\n", "", m.group(1).decode("utf-8", "replace"))
        module = source.lstrip(".")
        level = len(source) - len(module)
        if module and not _DOTTED.match(module):
            return None
        if not module and not level:
            return None
        names = _names(m.group(2).decode("utf-8", "replace"))
        if names is None:
            return None
        return [ImportRef(module, level, names, line, where)]
    m = _IMPORT.match(data, offset)
    if m is None:
        return None
    refs = []
    for part in m.group(1).decode("utf-8", "replace").replace("\\\n", " ").split(","):
        bits = part.split()
        if len(bits) == 3 and bits[1] == "as":
            bits = bits[:1]
        if len(bits) != 1 or not _DOTTED.match(bits[0]):
            return None
        refs.append(ImportRef(bits[0], 0, (), line, where))
    return refs


_CATCHES = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    return any(
        (isinstance(node, ast.Name) and node.id in _CATCHES)
        or (isinstance(node, ast.Attribute) and node.attr in _CATCHES)
        for node in ast.walk(handler.type)
    )


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING" and isinstance(test.value, ast.Name)


def _scan_tree(data: bytes) -> ScanResult:
    """The same answer as the line scan, from CPython's own parser: for the rare files whose
    imports do not all start a line."""
    try:
        tree = ast.parse(data)
    except SyntaxError as exc:
        return ScanResult((), SyntaxProblem(exc.lineno or 1, exc.msg))
    except ValueError as exc:
        return ScanResult((), SyntaxProblem(1, str(exc)))
    found: list[ImportRef] = []
    # (node, inside a function, guarded, under TYPE_CHECKING): guards count up to the nearest
    # enclosing function, because a try around a `def` does not run the function's body.
    stack: list[tuple[ast.AST, bool, bool, bool]] = [(tree, False, False, False)]
    while stack:
        node, in_function, guarded, typing = stack.pop()
        where = TYPING if typing else GUARDED if guarded else FUNCTION if in_function else MODULE
        if isinstance(node, ast.Import):
            found.extend(ImportRef(alias.name, 0, (), node.lineno, where) for alias in node.names)
            continue
        if isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            found.append(ImportRef(node.module or "", node.level, names, node.lineno, where))
            continue
        children: list[tuple[ast.AST, bool, bool, bool]]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            children = [(child, True, False, typing) for child in ast.iter_child_nodes(node)]
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            children = [(child, in_function, guarded, True) for child in node.body]
            children += [(child, in_function, guarded, typing) for child in node.orelse]
        elif isinstance(node, (ast.Try, ast.TryStar)):
            body_guarded = guarded or any(_catches_import_error(h) for h in node.handlers)
            children = [(child, in_function, body_guarded, typing) for child in node.body]
            rest: list[ast.AST] = [*node.handlers, *node.orelse, *node.finalbody]
            children += [(child, in_function, guarded, typing) for child in rest]
        else:
            children = [(child, in_function, guarded, typing) for child in ast.iter_child_nodes(node)]
        stack.extend(reversed(children))
    return ScanResult(tuple(sorted(found, key=lambda ref: ref.line)))
