"""`checkdeck context ls|why`: the files a build can see, and why each is in or out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from validators.docker_context.build_context import BUILDERS, ContextReport, ContextSpec, compute, explain
from validators.docker_context.sizes import human_size, largest_dirs


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    context = sub.add_parser("context", help="the Docker build context: what a build can see, and why")
    inner = context.add_subparsers(dest="context_command", required=True)
    ls = inner.add_parser("ls", help="list the files `COPY . /dest/` copies")
    ls.add_argument("dir", nargs="?", default=".", type=Path, help="the build context (default: .)")
    _common(ls)
    ls.add_argument("--size", action="store_true", help="print the total size and the largest directories instead")
    why = inner.add_parser("why", help="say whether each path is sent and which .dockerignore line decided")
    why.add_argument("paths", nargs="+", metavar="PATH", help="paths relative to the context")
    why.add_argument("-C", "--context", dest="dir", default=Path("."), type=Path, help="the build context (default: .)")
    _common(why)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-f", "--file", type=Path, help="the Dockerfile (default: DIR/Dockerfile)")
    parser.add_argument(
        "--builder", choices=BUILDERS, default="buildkit", help="which builder's rules (default: buildkit)"
    )
    parser.add_argument(
        "--daemon",
        choices=("current", "legacy"),
        default="current",
        help="classic only: the daemon's matcher, legacy for dockerd 20.10 and older (default: current)",
    )


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
