"""The `checkdeck` command: the app, `run` for CI, `list`, `init`."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import difflib
import importlib.metadata
import os
import signal
import sys
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from validators.config.detect import detect, render_config
from validators.config.load import ConfigError, find_config, load_config
from validators.engine.model import Config
from validators.engine.redact import shown_options
from validators.engine.wording import plural
from validators.process.terminal_text import printable

from . import baseline_cmd, context_args
from .exit_codes import EXIT_INTERRUPTED, EXIT_USAGE
from .safe_output import safe_stdio
from .writable import report_path_problem, state_dir_problem

SUBCOMMANDS = ("run", "list", "init", "context", "baseline")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=".", type=Path, help="project directory (default: .)")
    parser.add_argument(
        "--config", type=Path, help="config file (default: checkdeck.toml or pyproject.toml, searched upward)"
    )


def _engine_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        metavar="VERSION",
        help="Docker version whose build-context rules apply, e.g. 20.10 or current (default: ask the engine)",
    )


def with_engine(config: Config, engine: str) -> Config:
    """Every build-context validator judged by the rules of Docker `engine`, whatever the config
    says. Raises ValueError, as the `engine` config key does, for what is not a version."""
    from validators.engine import registry  # loads the kind's options: `list` and `init` never need them

    check = registry.options("dockerignore")["engine"].check
    assert check is not None
    check(engine)
    specs = tuple(
        dataclasses.replace(spec, options={**spec.options, "engine": engine}) if spec.kind == "dockerignore" else spec
        for spec in config.validators
    )
    return dataclasses.replace(config, validators=specs)


def cell_len(text: str) -> int:
    """Terminal cells of a name: wide (CJK, emoji) characters take two. Not rich's: `list`
    loads nothing it does not need."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _version() -> str:
    try:
        return importlib.metadata.version("checkdeck")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown (not installed)"


def build_app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checkdeck",
        description="Open the live view of a repository's validators (headless when stdout is not a terminal).",
        epilog="Subcommands: run (headless, for CI), list, init, context, baseline. `checkdeck SUBCOMMAND -h` for more.",
    )
    parser.add_argument("--version", action="version", version=f"checkdeck {_version()}")
    _common(parser)
    parser.add_argument("--watch", action="store_true", help="rerun validators whose inputs change")
    parser.add_argument("--concurrency", type=int, metavar="N", help="validators at once (default: config, else CPUs)")
    _engine_option(parser)
    parser.set_defaults(command=None)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="checkdeck",
        description="Run a repository's pre-deploy validators concurrently and watch them live.",
        epilog="Subcommands: run (headless, for CI), list, init, context, baseline. `checkdeck SUBCOMMAND -h` for more.",
    )
    parser.add_argument("--version", action="version", version=f"checkdeck {_version()}")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run headless and exit with the result")
    _common(run)
    run.add_argument(
        "--only", nargs="+", metavar="NAME", action="extend", help="run only these validators, or every one of a kind"
    )
    run.add_argument(
        "--export",
        nargs="+",
        metavar="FILE",
        type=Path,
        action="extend",
        default=[],
        help="write the report; format from the extension: .json .md .xml (JUnit) .sarif",
    )
    run.add_argument("--concurrency", type=int, metavar="N", help="validators at once (default: config, else CPUs)")
    _engine_option(run)
    lst = sub.add_parser("list", help="show the validators that would run and where each came from")
    _common(lst)
    init = sub.add_parser("init", help="write the detected validators to checkdeck.toml")
    _common(init)
    init.add_argument("--force", action="store_true", help="overwrite an existing checkdeck.toml")
    context_args.add_parser(sub)
    baseline_cmd.add_parser(sub)
    return parser


def load(path: Path, config_path: Path | None) -> Config:
    if config_path is not None:
        # An explicit config file may live anywhere; the project is the given directory.
        return load_config(config_path, path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such directory")
    found = find_config(path)
    if found is not None:
        return load_config(found)
    project = path.resolve()
    return Config(project, None, tuple(detect(project)))


def select(config: Config, wanted: Sequence[str]) -> list[str]:
    """Validator names for `--only`: each item a validator's name or a kind (every validator
    of that kind), in config order."""
    names = [s.name for s in config.validators]
    kinds = sorted({s.kind for s in config.validators})
    chosen: set[str] = set()
    for item in wanted:
        if item in names:
            chosen.add(item)
        elif item in kinds:
            chosen |= {s.name for s in config.validators if s.kind == item}
        else:
            close = difflib.get_close_matches(item, [*names, *kinds], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"--only {item}: no validator or kind of that name{hint} "
                f"(validators: {', '.join(names) or 'none'}; kinds: {', '.join(kinds) or 'none'})"
            )
    return [n for n in names if n in chosen]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _fail(message: str) -> int:
    print(f"checkdeck: {message}", file=sys.stderr)
    return EXIT_USAGE


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in args_list if not a.startswith("-")), None)
    use_sub = first in SUBCOMMANDS
    if not use_sub and sys.stdout.isatty():
        return _main(args_list, use_sub)  # the app owns the terminal
    with safe_stdio():
        return _main(args_list, use_sub)


def _main(args_list: list[str], use_sub: bool) -> int:
    parser = build_parser() if use_sub else build_app_parser()
    args = parser.parse_args(args_list)
    if args.command == "context":
        from . import context_cmd

        return context_cmd.run(args)
    try:
        config = load(args.path, args.config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(printable(f"checkdeck: {problem}"), file=sys.stderr)
        print("checkdeck: nothing was run: fix the config first", file=sys.stderr)
        return EXIT_USAGE
    except FileNotFoundError as exc:
        return _fail(str(exc))
    if args.command == "list":
        return cmd_list(config)
    if args.command == "init":
        return cmd_init(config, args.force)
    if args.command == "baseline":
        return baseline_cmd.run(config, args.only)
    engine: str | None = getattr(args, "engine", None)
    if engine is not None:
        try:
            config = with_engine(config, engine)
        except ValueError as exc:
            return _fail(f"--engine: {exc}")
    only: list[str] | None = getattr(args, "only", None)
    exports: list[Path] = getattr(args, "export", [])
    if only:
        try:
            only = select(config, only)
        except ValueError as exc:
            return _fail(str(exc))
    # Only a run needs the exporters and the runner: `list` and `init` stay quick to start.
    from validators.exports import ExportError, renderer_for

    from .headless import run_headless, started_line

    for path in exports:
        try:
            renderer_for(path)
        except ExportError as exc:
            return _fail(str(exc))
        unwritable = report_path_problem(path)
        if unwritable:
            return _fail(f"--export {path}: {unwritable}; nothing was run")
    unwritable = state_dir_problem(config.project_dir)
    if unwritable:
        return _fail(f"cannot keep the run's logs and summary: {unwritable}; nothing was run")
    concurrency = getattr(args, "concurrency", None)
    if concurrency is not None and concurrency < 1:
        return _fail("--concurrency must be at least 1")
    if args.command is None and sys.stdout.isatty():
        from .app import run_app  # Textual loads only for the app

        return run_app(config, watch=args.watch, concurrency=concurrency)
    if not config.validators:
        return _fail(f"no validators configured or detected in {config.project_dir}; see `checkdeck init`")
    # Until the run's own signal handling is in place, TERM and HUP stop checkdeck the way
    # Ctrl-C does (KeyboardInterrupt), never by the default action that skips all cleanup.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        print(started_line(config, datetime.now()), flush=True)
        if config.path is None:
            for spec in config.validators:
                print(printable(f"  {spec.name}: {spec.source}"), flush=True)
        return run_headless(config, only=only, exports=exports, concurrency=concurrency)
    except KeyboardInterrupt:
        # Outside the run's own handling (before it, or while reports are written): every
        # process the runner started was ended on the way out.
        print("checkdeck: interrupted", file=sys.stderr)
        # Stopped already: a second TERM or Ctrl-C changes nothing now, and must not turn the
        # exit status into death by signal on the way out.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        return EXIT_INTERRUPTED


def cmd_list(config: Config) -> int:
    if config.path is None:
        print(f"No config file; detected in {config.project_dir}:")
    else:
        print(f"From {config.path}:")
    if not config.validators:
        print("  (nothing)")
    rows = []
    for spec in config.validators:
        command = shown_options(spec).get("run")
        rows.append(
            [printable(spec.name), spec.kind, printable(spec.source), printable(f"$ {command}" if command else "")]
        )
    if rows:
        rows.insert(0, ["NAME", "KIND", "FROM", "RUNS"])
        # Padded by terminal cells, so wide characters in a name keep the columns straight.
        widths = [max(cell_len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [row[i] + " " * (widths[i] - cell_len(row[i])) for i in range(3)]
            print("  " + "  ".join([*cells, row[3]]).rstrip())
    if config.path is None:
        from validators.engine import registry

        found = {spec.kind for spec in config.validators}
        for kind in registry.KINDS:
            why = registry.absent(kind, config.project_dir) if kind not in found else None
            if why:
                print(printable(f"  no {kind} validator: {why}"))
    return 0


def cmd_init(config: Config, force: bool) -> int:
    target = config.project_dir / "checkdeck.toml"
    if target.exists() and not force:
        return _fail(f"{target} exists; use --force to overwrite it")
    specs = list(config.validators) if config.path is None else list(detect(config.project_dir))
    target.write_text(render_config(specs), encoding="utf-8")
    print(f"wrote {target} with {plural(len(specs), 'validator')}")
    for spec in specs:
        print(printable(f"  {spec.name}: {spec.source}"))
    return 0


def entry() -> None:
    try:
        code = main()
    except KeyboardInterrupt:
        # A signal that lands while an interrupted run is already being wound up (its
        # handler raises KeyboardInterrupt wherever the main thread is): the processes were
        # ended on the way out all the same, and the exit status says interrupted.
        print("checkdeck: interrupted", file=sys.stderr)
        code = EXIT_INTERRUPTED
    if code == EXIT_INTERRUPTED:
        # Interrupted, everything already stopped: leave with exactly that status. A normal
        # exit turned into death by SIGINT (-2) about once in 15 loaded runs of a TERM sent
        # as the run starts, after "interrupted" was printed; the cause is not found. What
        # interpreter shutdown would still do here is flush output (done here) and remove
        # pooled cgroups (the watchdog does that when its pipe closes).
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)
    sys.exit(code)
