"""Parse a Dockerfile into instructions with their line numbers: continuations, comments,
parser directives (escape), heredocs, JSON and shell forms, ARG/ENV substitution."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
# BuildKit's rule (frontend/dockerfile/parser): a heredoc is a whole shell word of the form
# [fd]<<[-]NAME, after quotes are taken into account; `print(1<<x)` inside quotes is not one.
_HEREDOC_WORD = re.compile(r"^(\d*)<<(-?)([^<]*)$")
# Every instruction Docker's parser knows (moby/buildkit frontend/dockerfile/command): a line
# that starts with anything else makes Docker refuse the whole Dockerfile.
INSTRUCTIONS = frozenset(
    "ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN SHELL STOPSIGNAL USER "
    "VOLUME WORKDIR".split()
)
_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case
    args: str  # the text after the keyword, continuations joined
    line: int  # first line
    flags: tuple[tuple[str, str], ...] = ()  # --from=x and the like, for COPY/ADD
    heredocs: tuple[str, ...] = ()

    def flag(self, name: str) -> str | None:
        return next((v for k, v in self.flags if k == name), None)


@dataclass
class Stage:
    index: int
    base: str
    name: str | None
    line: int
    instructions: list[Instruction] = field(default_factory=list)


@dataclass
class Dockerfile:
    path: str
    stages: list[Stage]
    global_args: dict[str, str]
    escape: str = "\\"
    meta_args: list[Instruction] = field(default_factory=list)  # the ARGs before the first FROM


class DockerfileError(ValueError):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.line = line


def substitute(text: str, env: dict[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(4)
        value = env.get(name)
        op, word = m.group(2), m.group(3)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else (word or "")
        if op in (":+", "+"):
            return (word or "") if value else ""
        return value or ""

    return _VAR.sub(repl, text)


def split_flags(args: str) -> tuple[tuple[tuple[str, str], ...], str]:
    flags = []
    rest = args.lstrip()
    while rest.startswith("--"):
        token, _, rest = rest.partition(" ")
        name, _, value = token[2:].partition("=")
        flags.append((name, value))
        rest = rest.lstrip()
    return tuple(flags), rest


def words(args: str) -> list[str] | None:
    """The JSON (exec) form as a list, or None for the shell form."""
    text = args.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    return None


def shell_words(text: str) -> list[str]:
    try:
        return shlex.split(text, comments=True)
    except ValueError:
        return text.split()


def _raw_words(line: str) -> list[str]:
    """Shell words with their quotes kept, as BuildKit's lexer gives them (RawQuotes)."""
    words: list[str] = []
    current: list[str] = []
    quote: str | None = None
    escaped = False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\" and quote != "'":
            current.append(ch)
            escaped = True
        elif quote is not None:
            current.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            current.append(ch)
            quote = ch
        elif ch.isspace():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


def heredoc_names(args: str) -> list[str]:
    names = []
    for word in _raw_words(args):
        m = _HEREDOC_WORD.match(word)
        if m:
            name = m.group(3).strip()
            if len(name) >= 2 and name[0] == name[-1] and name[0] in "'\"":
                name = name[1:-1]
            if name:
                names.append(name)
    return names


def parse(text: str, path: str = "Dockerfile") -> Dockerfile:
    lines = text.splitlines()
    escape = "\\"
    i = 0
    # Parser directives: only at the very top, before any comment or instruction.
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            break
        if m.group(1).lower() == "escape":
            if m.group(2) not in ("\\", "`"):
                raise DockerfileError(path, i + 1, f"invalid escape token {m.group(2)!r}: use \\ or `")
            escape = m.group(2)
        i += 1
    instructions: list[Instruction] = []
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        parts: list[str] = []
        current = raw
        while True:
            body = current.rstrip()
            if body.endswith(escape):
                parts.append(body[: -len(escape)])
                i += 1
                # Comment and blank lines inside a continuation are dropped.
                while i < len(lines) and (not lines[i].strip() or lines[i].lstrip().startswith("#")):
                    i += 1
                if i >= len(lines):
                    break
                current = lines[i]
                continue
            parts.append(body)
            i += 1
            break
        joined = " ".join(p.strip() for p in parts).strip()
        head = re.split(r"\s", joined, maxsplit=1)
        keyword, args = head[0].upper(), head[1] if len(head) > 1 else ""
        if keyword not in INSTRUCTIONS:
            raise DockerfileError(path, start + 1, f"unknown instruction: {head[0][:40]}")
        heredocs = []
        if keyword in ("RUN", "COPY", "ADD"):
            heredocs = heredoc_names(args)
            for name in heredocs:
                # Skip the heredoc body up to its terminator line.
                while i < len(lines) and lines[i].strip() != name:
                    i += 1
                i += 1
        flags: tuple[tuple[str, str], ...] = ()
        if keyword in ("COPY", "ADD", "FROM", "RUN"):
            flags, args = split_flags(args)
        instructions.append(Instruction(keyword, args.strip(), start + 1, flags, tuple(heredocs)))
    return _stages(instructions, path, escape)


def _stages(instructions: list[Instruction], path: str, escape: str) -> Dockerfile:
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    meta_args: list[Instruction] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            tokens = ins.args.split()
            if not tokens:
                raise DockerfileError(path, ins.line, "FROM needs an image")
            name = tokens[2] if len(tokens) >= 3 and tokens[1].lower() == "as" else None
            stages.append(Stage(len(stages), substitute(tokens[0], global_args), name, ins.line))
            continue
        if not stages:
            if ins.keyword == "ARG":
                meta_args.append(ins)
                for token in shell_words(ins.args):
                    key, _, value = token.partition("=")
                    global_args[key] = value
                continue
            raise DockerfileError(path, ins.line, f"{ins.keyword} before the first FROM")
        stages[-1].instructions.append(ins)
    if not stages:
        raise DockerfileError(path, 1, "no FROM instruction")
    return Dockerfile(path, stages, global_args, escape, meta_args)


def env_pairs(args: str) -> list[tuple[str, str]]:
    """ENV KEY=VALUE ... or the legacy ENV KEY VALUE."""
    tokens = shell_words(args)
    if tokens and "=" not in tokens[0]:
        return [(tokens[0], args.strip()[len(tokens[0]) :].strip())]
    return [(k, v) for k, _, v in (t.partition("=") for t in tokens)]
