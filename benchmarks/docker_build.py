"""The docker-build validator next to the docker CLI building the same Dockerfile, cold (no
cache) and cached, as ratios in one run; and checkdeck's peak memory while it sends a large
context, next to a run with a tiny one.

Cold and cached times are the best of two interleaved runs. The validator's time covers what
`docker build` does (send the context, build, tag); its smoke
checks are off here (`smoke = []`) and the image is kept between the cold and the cached build,
as the CLI's is. The classic builds use the Docker 28 CLI with DOCKER_BUILDKIT=0; BuildKit builds
use Debian's 20.10 CLI with DOCKER_BUILDKIT=1 (the only BuildKit client on these machines)."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import anyio

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from examples.python_base import ensure  # noqa: E402
from validators.engine.model import ValidatorSpec  # noqa: E402
from validators.engine.registry import create  # noqa: E402
from validators.engine.runner import Runner  # noqa: E402

CLI = {"classic": ("docker", "0"), "buildkit": ("/usr/bin/docker", "1")}


def make_project(root: Path, base: str, files: int) -> None:
    (root / "app").mkdir(parents=True)
    for i in range(files):
        (root / "app" / f"mod{i}.py").write_text(f"VALUE_{i} = {i}\n" * 50)
    (root / "app" / "__init__.py").write_text("")
    (root / ".dockerignore").write_text(".checkdeck\n")
    (root / "Dockerfile").write_text(
        f"FROM {base}\nWORKDIR /srv\nCOPY app/ app/\n"
        'RUN ["python3", "-c", "import compileall, sys; sys.exit(not compileall.compile_dir(\'app\', quiet=1))"]\n'
        'CMD ["python3", "-c", "import app"]\n'
    )


def cli_build(root: Path, builder: str, tag: str, no_cache: bool) -> float:
    cli, kit = CLI[builder]
    # No bridge network on these engines: BuildKit's RUN needs --network none (the validator
    # passes networkmode=none itself when the engine has no bridge).
    network = ["--network", "none"] if builder == "buildkit" else []
    args = [cli, "build", "-q", "-t", tag, *network, *(["--no-cache"] if no_cache else []), str(root)]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "DOCKER_BUILDKIT": kit})
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr[-1500:]}")
    return time.perf_counter() - started


def checkdeck_build(root: Path, builder: str, no_cache: bool) -> float:
    options = {"dockerfile": "Dockerfile", "builder": builder, "smoke": [], "keep": True, "no_cache": no_cache}
    spec = ValidatorSpec(f"bench-{builder}", "docker-build", options)

    async def go() -> float:
        async with Runner([spec], project_dir=root, factory=create) as runner:
            started = time.perf_counter()
            summary = await runner.run_all()
            elapsed = time.perf_counter() - started
        result = summary.results[0]
        assert result.status.value == "passed", result.summary
        return elapsed

    return anyio.run(go)


def peak_rss_kib(root: Path) -> int:
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run([sys.executable, '-m', 'tui', 'run', sys.argv[1]], capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, check=True,
                         cwd=HERE.parent)  # fmt: skip
    return int(out.stdout.strip())


def memory(scratch: Path, base: str, megabytes: int) -> None:
    config = '[[validators]]\nname = "img"\nkind = "docker-build"\nbuilder = "classic"\nsmoke = []\n'
    for name in ("small", "large"):
        root = scratch / f"mem-{name}"
        root.mkdir()
        (root / "checkdeck.toml").write_text(config)
        (root / "Dockerfile").write_text(f"FROM {base}\nCOPY a.txt /\n")
        (root / "a.txt").write_text("a")
    with open(scratch / "mem-large" / "data.bin", "wb") as f:
        block = os.urandom(1 << 20)
        for _ in range(megabytes):
            f.write(block)
    small, large = peak_rss_kib(scratch / "mem-small"), peak_rss_kib(scratch / "mem-large")
    print(f"peak RSS of `checkdeck run`: tiny context {small / 1024:.0f} MiB, {megabytes} MB context "
          f"{large / 1024:.0f} MiB (+{(large - small) / 1024:.0f} MiB)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=200, help="Python modules in the image (default 200)")
    parser.add_argument("--megabytes", type=int, default=300, help="size of the large context (default 300)")
    args = parser.parse_args()
    import docker

    api = docker.from_env().api
    base = ensure(api)
    before = {i["Id"] for i in api.images(all=True)}
    scratch = Path(
        tempfile.mkdtemp(
            prefix="bench-docker-build-",
            dir=HERE.parent / ".checkdeck" if (HERE.parent / ".checkdeck").is_dir() else None,
        )
    )
    try:
        make_project(scratch / "p", base, args.files)
        print(f"{args.files} modules FROM {base}, engine {api.version()['Version']}")
        for builder in ("classic", "buildkit"):
            tag = f"checkdeck-bench/cli-{builder}:1"
            # Interleaved, best of two: on vfs the first build after a pause pays for the disk.
            cold_cli = cold_ours = warm_cli = warm_ours = float("inf")
            for _ in range(2):
                cold_cli = min(cold_cli, cli_build(scratch / "p", builder, tag, True))
                cold_ours = min(cold_ours, checkdeck_build(scratch / "p", builder, True))
                warm_cli = min(warm_cli, cli_build(scratch / "p", builder, tag, False))
                warm_ours = min(warm_ours, checkdeck_build(scratch / "p", builder, False))
            print(f"{builder:8}  cold: checkdeck {cold_ours:5.2f} s, docker build {cold_cli:5.2f} s, ratio "
                  f"{cold_ours / cold_cli:.2f}x   cached: checkdeck {warm_ours:5.2f} s, docker build {warm_cli:5.2f} s, "
                  f"ratio {warm_ours / warm_cli:.2f}x")  # fmt: skip
        memory(scratch, base, args.megabytes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        # A rebuilt tag leaves the image it named dangling: remove all this run made.
        made = [i for i in api.images(all=True) if i["Id"] not in before]
        for image in sorted(made, key=lambda i: -int(i.get("Created", 0))):  # children first
            try:
                api.remove_image(image["Id"], force=True)
            except Exception:
                pass
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB peak)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
