"""The arguments of `checkdeck context ls|why` (the command itself is in context_cmd, imported
only when it runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from validators.docker.builders import BUILDERS


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    context = sub.add_parser("context", help="the Docker build context: what a build can see, and why")
    inner = context.add_subparsers(dest="context_command", required=True)
    ls = inner.add_parser("ls", help="list the files `COPY . /dest/` copies")
    ls.add_argument("dir", nargs="?", default=".", type=Path, help="the build context (default: .)")
    _common(ls)
    ls.add_argument("--size", action="store_true", help="print the total size and the largest directories instead")
    ls.add_argument("-z", dest="zero", action="store_true", help="NUL-separated raw names, like `git ls-files -z`")
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
        "--engine",
        metavar="VERSION",
        help="the Docker engine whose rules apply, e.g. 20.10 or current (default: ask the engine, else current)",
    )
    parser.add_argument(
        "--daemon",
        choices=("current", "legacy"),
        help="classic only: the daemon's matcher, legacy for dockerd 20.10 and older (default: from --engine)",
    )
