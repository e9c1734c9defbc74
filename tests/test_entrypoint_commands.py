"""How real images start, read from CMD/ENTRYPOINT and the scripts and config files they name:
app servers with their options, uwsgi, the FastAPI/Flask/Streamlit CLIs, wrappers that drop
privileges or run through a tool, console scripts, executable `.py` files, s6 services."""

from __future__ import annotations

import pytest

from validators.docker.dockerfile import parse
from validators.docker.entrypoints import find_entrypoints_explained
from validators.docker.image import ContextView, simulate

FILES = {
    "app/__init__.py": "",
    "app/main.py": "",
    "app/wsgi.py": "",
    "conf/gunicorn.py": 'bind = "0.0.0.0:8000"\nwsgi_app = "app.wsgi:application"\n',
    "conf/uwsgi.ini": "[uwsgi]\nchdir = /srv\nwsgi-file = app/wsgi.py\n[other]\nmodule = nope\n",
    "manage.py": "#!/usr/bin/env python\n",
    "dashboard.py": "",
}


def found(cmd: str, scripts: dict[str, str] | None = None, env: str = "") -> list[tuple[str, str]]:
    text = f"FROM python:3.12\nWORKDIR /srv\n{env}COPY . .\n{cmd}\n"
    final = simulate(parse(text), ContextView(FILES)).final

    def read(image_path: str) -> bytes | None:
        origin = final.tree.files.get(image_path)
        return FILES[origin].encode() if origin else None

    entrypoints, _ = find_entrypoints_explained(final, read, scripts)
    return [(e.kind, e.target) for e in entrypoints]


@pytest.mark.parametrize(
    ("cmd", "expected"),
    [
        # Options that take values come before the application: it is the first free word.
        ('CMD ["gunicorn", "-w", "4", "--bind", "0.0.0.0:80", "--preload", "app.wsgi"]', ("module", "app.wsgi")),
        ("CMD gunicorn --worker-class uvicorn.workers.UvicornWorker app.main:app", ("module", "app.main")),
        ("CMD gunicorn -c conf/gunicorn.py", ("module", "app.wsgi")),  # wsgi_app in the config file
        ('CMD ["python", "-m", "uvicorn", "--port", "80", "app.main:app", "--reload"]', ("module", "app.main")),
        ("CMD uwsgi --http :8000 --module app.wsgi:application", ("module", "app.wsgi")),
        ("CMD uwsgi conf/uwsgi.ini", ("script", "/srv/app/wsgi.py")),  # only the [uwsgi] section
        ('CMD ["fastapi", "run", "--workers", "4", "app/main.py"]', ("module", "app.main")),
        ("CMD flask --app app.main run --host 0.0.0.0", ("module", "app.main")),
        ("CMD streamlit run dashboard.py --server.port 8501", ("script", "/srv/dashboard.py")),
        ("CMD gosu app poetry run python -m app.main", ("module", "app.main")),
        ("CMD uv run --frozen gunicorn app.wsgi", ("module", "app.wsgi")),
        ('CMD ["./manage.py", "runserver"]', ("script", "/srv/manage.py")),
        ('CMD ["serve-app", "--port", "80"]', ("module", "app.main")),  # a console script
    ],
)
def test_the_program_an_image_starts(cmd: str, expected: tuple[str, str]) -> None:
    assert found(cmd, {"serve-app": "app.main:run"}) == [expected]


def test_flask_app_from_the_environment() -> None:
    assert found("CMD flask run", env="ENV FLASK_APP=app.main:create_app()\n") == [("module", "app.main")]


def test_what_is_not_understood_is_said() -> None:
    text = "FROM python:3.12\nWORKDIR /srv\nCOPY . .\nCMD ./start-things --fast\n"
    final = simulate(parse(text), ContextView(FILES)).final
    entrypoints, tried = find_entrypoints_explained(final, lambda _: None)
    assert entrypoints == [] and tried == ["./start-things --fast"]


@pytest.mark.parametrize(
    "cmd",
    [
        "CMD gosu app python -m app.main",
        "CMD chpst -u app python -m app.main",
        "CMD s6-setlock -n /run/lock python -m app.main",
        "CMD su-exec app:app env PYTHONUNBUFFERED=1 python -m app.main",
    ],
)
def test_wrappers_that_take_a_user_or_a_lock(cmd: str) -> None:
    assert found(cmd) == [("module", "app.main")]
