"""Imports resolved as Python resolves them in the image: what the Dockerfile pip-installs is
found in site-packages unless a regular first-party package earlier on sys.path shadows it."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import write_tree
from validators.docker.analysis import Checks, Target
from validators.docker.dockerfile import parse
from validators.docker.image import ContextView, simulate
from validators.docker.installs import import_names, installed_packages
from validators.engine.model import Finding
from validators.kinds.dockerignore.verdict import check_dockerfile
from validators.pyimports.cache import ScanCache

DOCKERFILE = (
    "FROM python:3.11-slim\nWORKDIR /srv\nCOPY requirements.txt .\n"
    "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\n"
    'CMD ["python", "-m", "app.main"]\n'
)


def findings(root: Path) -> list[Finding]:
    return check_dockerfile(Target(root / "Dockerfile", root), root, cache=ScanCache(None), checks=Checks()).findings


def alembic_project(tmp_path: Path, requirements: str) -> Path:
    return write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "from alembic import command\nfrom app import core\n",
            "app/core.py": "X = 1\n",
            # A migrations folder named like the package it uses: no __init__.py.
            "alembic/env.py": "from alembic import op\n",
            "requirements.txt": requirements,
            ".dockerignore": "alembic/\n.checkdeck\n",
            "Dockerfile": DOCKERFILE,
        },
    )


def test_a_namespace_folder_named_like_an_installed_package_is_not_a_missing_module(tmp_path: Path) -> None:
    root = alembic_project(tmp_path / "installed", "alembic==1.13.1  # migrations\nfastapi\n")
    assert [f for f in findings(root) if f.rule == "python/module-not-in-image"] == []
    # Not installed: then the excluded folder is all Python could find, and it is gone.
    root = alembic_project(tmp_path / "not-installed", "fastapi\n")
    [missing] = [f for f in findings(root) if f.rule == "python/module-not-in-image"]
    assert "alembic" in missing.message


def test_a_regular_first_party_package_shadows_the_installed_one(tmp_path: Path) -> None:
    root = write_tree(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": "import redis.helpers\n",
            "redis/__init__.py": "",
            "redis/helpers.py": "",
            "requirements.txt": "redis>=5\n",
            ".dockerignore": "redis/helpers.py\n.checkdeck\n",
            "Dockerfile": DOCKERFILE,
        },
    )
    [missing] = [f for f in findings(root) if f.rule == "python/module-not-in-image"]
    assert "redis.helpers" in missing.message


def test_pip_install_lines_of_every_stage_give_the_installed_names(tmp_path: Path) -> None:
    files = {
        "requirements/base.txt": "SQLAlchemy[asyncio]>=2  # orm\n-r extra.txt\n--index-url https://x\n",
        "requirements/extra.txt": "PyYAML\ngit+https://example.com/r.git#egg=internal_lib\n",
        "pyproject.toml": '[project]\nname = "svc"\ndependencies = ["httpx>=0.27", "python-dateutil"]\n',
    }
    root = write_tree(tmp_path, files)
    dockerfile = parse(
        "FROM python:3.11 AS build\nWORKDIR /w\nCOPY requirements/ requirements/\n"
        "RUN pip install --no-cache-dir -i https://mirror -r requirements/base.txt \\\n"
        '    && python3 -m pip install -U "uvicorn[standard]==0.30" gunicorn\n'
        "FROM python:3.11\nWORKDIR /app\nCOPY pyproject.toml .\nRUN PIP_NO_CACHE=1 pip install .\n"
        "COPY --from=build /usr/local/lib /usr/local/lib\n",
        "Dockerfile",
    )
    sim = simulate(dockerfile, ContextView(files))
    installed = installed_packages(sim, lambda p: (root / p).read_bytes() if (root / p).is_file() else None)
    assert {n.lower() for n in installed.distributions} == {
        "sqlalchemy",
        "pyyaml",
        "internal_lib",
        "uvicorn",
        "gunicorn",
        "httpx",
        "python-dateutil",
    }
    assert {"yaml", "dateutil", "sqlalchemy", "json"} <= installed.names  # and the standard library
    assert "https://mirror" not in installed.distributions and not installed.unread


def test_distribution_names_map_to_what_is_imported() -> None:
    assert "yaml" in import_names("PyYAML")
    assert "PIL" in import_names("pillow")
    assert "google" in import_names("google-cloud-storage")
    assert "my_lib" in import_names("My.Lib")


def test_lock_files_bind_mounted_for_one_run_give_every_locked_package(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[tool.uv.workspace]\nmembers = ["backend"]\n',
        "uv.lock": 'version = 1\n[[package]]\nname = "sqlmodel"\n[[package]]\nname = "Alembic"\n',
    }
    root = write_tree(tmp_path, files)
    dockerfile = parse(
        "FROM python:3.12\nWORKDIR /app\n"
        "RUN --mount=type=cache,target=/root/.cache/uv \\\n"
        "    --mount=type=bind,source=uv.lock,target=uv.lock \\\n"
        "    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \\\n"
        "    uv sync --frozen --no-install-workspace\n",
        "Dockerfile",
    )
    sim = simulate(dockerfile, ContextView(files))  # nothing COPYed: the files are only mounted
    installed = installed_packages(sim, lambda p: (root / p).read_bytes() if (root / p).is_file() else None)
    assert installed.distributions == {"sqlmodel", "Alembic"}
    assert {"sqlmodel", "alembic"} <= installed.names
