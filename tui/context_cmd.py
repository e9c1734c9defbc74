"""`checkdeck context ls|why`: the files a build can see, and why each is in or out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from validators.docker.build_context import ContextReport, ContextSpec, compute, explain
from validators.docker.sizes import human_size, largest_dirs


def _report(args: argparse.Namespace) -> ContextReport:
    dockerfile = args.file.resolve() if args.file else None
    return compute(
        ContextSpec(args.dir.resolve(), dockerfile, args.builder, args.daemon), sizes=bool(getattr(args, "size", False))
    )


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


def run(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        print(f"checkdeck: {args.dir}: not a directory", file=sys.stderr)
        return 2
    report = _report(args)
    if report.error is not None:
        return _fail(report)
    for note in report.notes:
        print(f"checkdeck: warning: {note}", file=sys.stderr)
    if args.context_command == "ls":
        if args.size:
            print(f"{human_size(report.total_size)} in {len(report.entries)} files")
            for path, size, count in largest_dirs(report.entries, limit=15):
                print(f"{human_size(size):>10}  {count:>7} files  {path}/")
            return 0
        out = sys.stdout
        for path in report.paths:
            out.write(path + "\n")
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
        print(f"{state}  {source}\t{verdict.path}  ({verdict.reason})")
    return 0


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)
