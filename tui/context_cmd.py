"""`checkdeck context ls|why`: the files a build can see, and why each is in or out."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from pathlib import Path

from validators.docker.build_context import ContextReport, ContextSpec, compute, explain
from validators.docker.engine_rules import EngineRules, EngineVersionError, resolve_rules
from validators.docker.sizes import human_size, largest_dirs
from validators.engine.wording import plural

_PLAIN = re.compile(r'[^\x00-\x1f\x7f"\\\ud800-\udfff]*')
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def _report(args: argparse.Namespace, rules: EngineRules) -> ContextReport:
    dockerfile = args.file.resolve() if args.file else None
    spec = ContextSpec(args.dir.resolve(), dockerfile, args.builder, rules.daemon, rules.buildkit)
    return compute(spec, sizes=bool(getattr(args, "size", False)))


def _fail(report: ContextReport) -> int:
    assert report.error is not None
    error = report.error
    where = ""
    if error.ignore_file is not None and error.line is not None and error.line.line:
        where = f"{error.ignore_file}:{error.line.line}: "
    elif error.ignore_file is not None:
        where = f"{error.ignore_file}: "
    print(f"checkdeck: {where}{error.message}", file=sys.stderr)
    return 1


def quoted(path: str) -> str:
    """One line per name, like `git ls-files`: a name with a newline, a control character, a
    backslash, a quote or bytes that are not UTF-8 is C-quoted."""
    if _PLAIN.fullmatch(path):
        return path
    out = []
    for byte in os.fsencode(path):
        ch = chr(byte)
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif 0x20 <= byte < 0x7F:
            out.append(ch)
        else:
            out.append(f"\\{byte:03o}")
    return '"' + "".join(out) + '"'


def run(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        print(f"checkdeck: {args.dir}: not a directory", file=sys.stderr)
        return 2
    if args.file is not None and not args.file.is_file():
        print(f"checkdeck: {args.file}: no such Dockerfile", file=sys.stderr)
        return 2
    try:
        rules = resolve_rules(args.engine)
    except EngineVersionError as exc:
        print(f"checkdeck: --engine: {exc}", file=sys.stderr)
        return 2
    if args.daemon:
        rules = dataclasses.replace(rules, daemon=args.daemon)
    # Which generation of Docker's rules this listing follows: they differ on real trees.
    print(f"checkdeck: {rules.describe(args.builder)}", file=sys.stderr)
    report = _report(args, rules)
    if report.error is not None:
        return _fail(report)
    for note in report.notes:
        print(f"checkdeck: warning: {note}", file=sys.stderr)
    if args.context_command == "ls":
        if args.size:
            print(f"{human_size(report.total_size)} in {plural(len(report.entries), 'file')}")
            for path, size, count in largest_dirs(report.entries, limit=15):
                print(f"{human_size(size):>10}  {count:>7} {'file ' if count == 1 else 'files'}  {path}/")
            return 0
        if args.zero:
            sys.stdout.flush()
            sys.stdout.buffer.write(b"".join(os.fsencode(p) + b"\0" for p in report.paths))
            sys.stdout.buffer.flush()
            return 0
        sys.stdout.write("".join(quoted(p) + "\n" for p in report.paths))
        return 0
    ignore_name = _relative(report.ignore_file, args.dir) if report.ignore_file else ".dockerignore"
    for path in args.paths:
        verdict = explain(report, path)
        state = "sent    " if verdict.sent else "excluded"
        if verdict.line is not None and verdict.line.line:
            source = f"{ignore_name}:{verdict.line.line}:{verdict.line.text}"
        elif verdict.line is not None:
            source = f"docker-cli::{verdict.line.pattern}"
        else:
            source = "::"
        print(f"{state}  {source}\t{quoted(verdict.path)}  ({verdict.reason})")
    return 0


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
