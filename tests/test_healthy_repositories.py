"""Quiet on healthy repositories: small projects, written here, each built and started the way
real services are (compose contexts, workflow builds, build args, generated files, images FROM
the project's own base, sys.path, app servers, Django, secrets that are not). Each is clean as
it stands, and each still gets its finding once the defect is real."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import run_specs, write_tree
from validators.engine.model import Finding, Severity, ValidatorResult
from validators.kinds.dockerignore.detect import detect

pytestmark = pytest.mark.anyio

APP = {
    "app/__init__.py": "",
    "app/main.py": "import logging\nfrom app.services import billing\n",
    "app/services/__init__.py": "",
    "app/services/billing.py": "import json\n",
}


@dataclass
class Case:
    files: dict[str, str]
    # The defect made real: files to add or replace, or to delete (value None).
    broken: dict[str, str | None]
    rule: str
    severity: Severity = Severity.ERROR
    notes: set[str] = field(default_factory=set)  # info-level rules the healthy run may say


def _under(prefix: str, files: dict[str, str]) -> dict[str, str]:
    return {f"{prefix}/{k}": v for k, v in files.items()}


CASES: dict[str, Case] = {
    # compose.yaml builds backend/Dockerfile with the repository root as its context.
    "compose context": Case(
        {
            **_under("backend", APP),
            "backend/Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY ./backend/app ./app\n"
            'CMD ["python", "-m", "app.main"]\n',
            "compose.yaml": "services:\n  api:\n    build:\n      context: .\n      dockerfile: backend/Dockerfile\n",
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\n**/services/\n"},
        "python/module-not-in-image",
    ),
    # Built by CI from a Dockerfile whose name is not `Dockerfile`, in a subfolder.
    "workflow build": Case(
        {
            **APP,
            "container/dist.dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app app\n"
            'CMD ["python", "-m", "app.main"]\n',
            ".github/workflows/release.yml": (
                "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n"
                "        with:\n          context: .\n          file: container/dist.dockerfile\n"
                "          tags: acme/app:latest\n"
            ),
        },
        {"container/dist.dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY application app\n"},
        "docker/copy-source-missing",
    ),
    # ARG without a default, set by the build script: a note naming the ARG, never an error.
    "unset build arg": Case(
        {
            **APP,
            "netbox/requirements.txt": "django\n",
            "Dockerfile": "FROM python:3.12-slim\nARG NETBOX_PATH\nWORKDIR /srv\n"
            "COPY ${NETBOX_PATH}/requirements.txt /tmp/\nCOPY app app\nCMD python -m app.main\n",
        },
        # With the arg given by compose, the path is known and wrong.
        {"compose.yaml": "services:\n  web:\n    build:\n      context: .\n      args:\n        NETBOX_PATH: nbx\n"},
        "docker/copy-source-missing",
        notes={"docker/copy-source-unknown"},
    ),
    # `make dist` builds the wheel before `docker build`; Git ignores dist/.
    "generated file": Case(
        {
            **APP,
            ".gitignore": "__pycache__/\ndist/\n",
            "Makefile": "image:\n\tpython -m build --wheel\n\tdocker build .\n",
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY dist/app-1.0-py3-none-any.whl /tmp/\n"
            "COPY app app\nCMD python -m app.main\n",
        },
        {".gitignore": "__pycache__/\n", "Makefile": "image:\n\tdocker build .\n"},
        "docker/copy-source-missing",
        notes={"docker/copy-source-generated"},
    ),
    # The worker image is FROM the project's own base image, which carries `shared`.
    "project base image": Case(
        {
            "shared/__init__.py": "",
            "shared/db.py": "",
            "worker/__init__.py": "",
            "worker/run.py": "from shared import db\nfrom worker import jobs\n",
            "worker/jobs.py": "",
            "base.Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY shared shared\n",
            "worker.Dockerfile": "FROM acme/base:1.0\nWORKDIR /srv\nCOPY worker worker\nCMD python -m worker.run\n",
            "docker-compose.yml": (
                "services:\n  base:\n    image: acme/base:1.0\n    build:\n      context: .\n"
                "      dockerfile: base.Dockerfile\n  worker:\n    build:\n      context: .\n"
                "      dockerfile: worker.Dockerfile\n"
            ),
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\nworker/jobs.py\n"},
        "python/module-not-in-image",
        notes={"docker/base-from-project", "python/module-not-in-image"},
    ),
    # COPY . /app/application with WORKDIR /app: application/logging.py is `application.logging`;
    # `import logging` is the standard library's, `from alembic import op` the distribution's.
    "sys.path": Case(
        {
            "__init__.py": "",
            "main.py": "import logging\nfrom application import models, routes\n",
            "models.py": "from alembic import op\nfrom application.logging import log\n",
            "routes.py": "import logging\nfrom application.services import mail\n",
            "logging.py": "import logging as _l\nlog = _l.getLogger()\n",
            "alembic/__init__.py": "",
            "alembic/env.py": "from alembic import context\n",
            "services/__init__.py": "",
            "services/mail.py": "",
            "admin.py": "from application.services import mail\n",
            "requirements.txt": "alembic==1.13\nuvicorn\n",
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
            "COPY . /app/application\nCMD uvicorn application.main:app --host 0.0.0.0\n",
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\nservices\n"},
        "python/module-not-in-image",
    ),
    # An entrypoint script that ends in `exec "$@"`, with CMD after ENTRYPOINT in one stage.
    "exec $@ with CMD": Case(
        {
            **APP,
            "app.py": "from app import main\n",
            "docker-entrypoint.sh": '#!/bin/sh\nset -e\necho "migrating"\nexec "$@"\n',
            "Dockerfile": 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nENTRYPOINT ["./docker-entrypoint.sh"]\n'
            'CMD ["python", "./app.py"]\n',
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\n**/billing.py\n"},
        "python/module-not-in-image",
    ),
    # gunicorn started by a shell script, the Django way: a bare module, no `:app`.
    "gunicorn script": Case(
        {
            **APP,
            "app/wsgi.py": "from app import main\napplication = None\n",
            "bin/start.sh": "#!/bin/bash\nset -euo pipefail\nexec gunicorn -w 4 -b 0.0.0.0:8000 --access-logfile - app.wsgi\n",
            "Dockerfile": 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD ["/srv/bin/start.sh"]\n',
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\napp/services\n"},
        "python/module-not-in-image",
    ),
    # uwsgi with an .ini file naming the module.
    "uwsgi ini": Case(
        {
            **APP,
            "app/wsgi.py": "from app import main\n",
            "uwsgi.ini": "[uwsgi]\nhttp = :8000\nchdir = /srv\nmodule = app.wsgi:application\nmaster = true\n",
            "Dockerfile": 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD ["uwsgi", "--ini", "uwsgi.ini"]\n',
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\napp/services\n"},
        "python/module-not-in-image",
    ),
    # `fastapi run path/main.py`.
    "fastapi run": Case(
        {
            **APP,
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /code\nCOPY ./app /code/app\n"
            'CMD ["fastapi", "run", "app/main.py", "--port", "80"]\n',
        },
        {".dockerignore": "**/billing.py\n"},
        "python/module-not-in-image",
    ),
    # s6-overlay: /init supervises the service scripts the image copies.
    "s6 services": Case(
        {
            **APP,
            "rootfs/etc/s6-overlay/s6-rc.d/api/run": "#!/command/with-contenv bash\ncd /srv\nexec python3 -m app.main\n",
            "rootfs/etc/s6-overlay/s6-rc.d/api/type": "longrun\n",
            "Dockerfile": 'FROM python:3.12-slim\nWORKDIR /srv\nCOPY rootfs /\nCOPY app app\nENTRYPOINT ["/init"]\n',
        },
        {".dockerignore": "app/services/\n"},
        "python/module-not-in-image",
    ),
    # A console script from [project.scripts], installed by `pip install .`.
    "console script": Case(
        {
            **_under("src", APP),
            "pyproject.toml": '[project]\nname = "acme"\nversion = "1"\ndependencies = ["httpx"]\n'
            '[project.scripts]\nacme-serve = "app.main:run"\n',
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nRUN pip install .\nENV PYTHONPATH=/srv/src\n"
            'CMD ["acme-serve"]\n',
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\nsrc/app/services\n"},
        "python/module-not-in-image",
    ),
    # Django: the apps load by string from the settings module.
    "django settings": Case(
        {
            "manage.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n",
            "site_cfg/__init__.py": "",
            "site_cfg/settings.py": "INSTALLED_APPS = ['django.contrib.admin', 'shop.apps.ShopConfig', 'blog']\n"
            "ROOT_URLCONF = 'site_cfg.urls'\nWSGI_APPLICATION = 'site_cfg.wsgi.application'\n",
            "site_cfg/urls.py": "from django.urls import include, path\nurlpatterns = [path('b/', include('blog.urls'))]\n",
            "site_cfg/wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_cfg.settings')\n",
            "shop/__init__.py": "",
            "shop/apps.py": "",
            "shop/models.py": "from shop import pricing\n",
            "shop/pricing.py": "",
            "blog/__init__.py": "",
            "blog/urls.py": "from blog import views\n",
            "blog/views.py": "",
            "requirements.txt": "Django>=5\ngunicorn\n",
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nRUN pip install -r requirements.txt\n"
            "CMD gunicorn site_cfg.wsgi\n",
            ".dockerignore": ".git\n",
        },
        {".dockerignore": ".git\n**/pricing.py\n"},
        "python/module-not-in-image",
    ),
    # Public CA bundles, vendored test keys, settings-only .npmrc and .env, examples: no secret.
    "secrets that are not": Case(
        {
            **APP,
            "certs/cacert.pem": "# Public CA bundle\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "lib/vendored/tests/test.key": "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n",
            "web/.npmrc": "save-exact=true\nengine-strict=true\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
            ".env": "COMPOSE_PROJECT_NAME=acme\nNEXT_PUBLIC_API_URL=https://api.example.com\n",
            ".env.example": "SECRET_KEY=change-me\n",
            "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD python -m app.main\n",
            ".dockerignore": ".git\n",
        },
        {"web/.npmrc": "//registry.npmjs.org/:_authToken=npm_Q2x9Lk3vTq8Wm4Rz7Yb1Nc6Hd0Fj5Gs2\n"},
        "docker/secret-in-context",
        Severity.WARNING,
        notes={"docker/secret-in-context"},  # the vendored test key is a note, not a warning
    ),
}


async def check(root: Path) -> list[ValidatorResult]:
    specs = detect(root)
    assert specs, f"no build found in {sorted(p.name for p in root.iterdir())}"
    summary, _ = await run_specs(root, specs)
    return list(summary.results)


def loud(results: list[ValidatorResult]) -> list[Finding]:
    # The run's own logs (.checkdeck/) are in the context because checkdeck wrote them there:
    # true, and tested by the clutter tests, but no fault of these repositories.
    return [f for r in results for f in r.findings if f.severity is not Severity.INFO and f.path != ".checkdeck"]


@pytest.mark.parametrize("name", list(CASES))
async def test_a_healthy_repository_is_quiet_and_its_real_defect_is_still_found(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    root = write_tree(tmp_path / "repo", case.files)
    results = await check(root)
    assert loud(results) == [], "\n".join(f"{f.severity}: {f.message}" for f in loud(results))
    notes = {f.rule for r in results for f in r.findings if f.path != ".checkdeck"}
    assert notes <= case.notes, notes
    # Something real was checked: modules followed from an understood entrypoint.
    assert any(re.search(r"followed \d+ modules? from ", r.summary) for r in results), [r.summary for r in results]

    for rel, text in case.broken.items():
        if text is None:
            (root / rel).unlink()
        else:
            write_tree(root, {rel: text})
    results = await check(root)
    got = [f for r in results for f in r.findings if f.rule == case.rule and f.severity is case.severity]
    assert got, [(f.severity, f.rule, f.message) for r in results for f in r.findings]


async def test_one_finding_per_missing_module_lists_every_importer(tmp_path: Path) -> None:
    files = {
        **APP,
        "app/main.py": "from app import api, jobs\nfrom app.services import billing\n",
        "app/api.py": "from app.services import billing\n",
        "app/jobs.py": "def run():\n    from app.services import billing\n",
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD python -m app.main\n",
        ".dockerignore": ".git\n.checkdeck\napp/services/billing.py\n",
    }
    results = await check(write_tree(tmp_path, files))
    [finding] = [f for r in results for f in r.findings if f.rule == "python/module-not-in-image"]
    # At the most certain import (module level before inside a function), then by path.
    assert finding.severity is Severity.ERROR and (finding.path, finding.line) == ("app/api.py", 1)
    assert "also by app/main.py:2, app/jobs.py:2" in finding.message


async def test_secrets_judged_by_content_say_whether_the_image_gets_them(tmp_path: Path) -> None:
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    files = {
        **APP,
        "deploy/server.pem": key,  # a .pem that is a private key
        "public/ca.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        "ops/.env": "POSTGRES_PASSWORD=hunter2-but-longer\n",
        ".git/config": "[core]\n",
        ".git/objects/ab/cd": "x" * 3000,
        ".git/hooks/pre-commit.sample": "#!/bin/sh\n",
        "Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app app\nCOPY deploy /etc/deploy\n"
        "CMD python -m app.main\n",
        ".dockerignore": ".checkdeck\n",
    }
    results = await check(write_tree(tmp_path, files))
    by_path = {f.path: f for r in results for f in r.findings}
    assert {p for p, f in by_path.items() if f.rule == "docker/secret-in-context"} == {"deploy/server.pem", "ops/.env"}
    assert "COPY puts it in the image at /etc/deploy/server.pem" in by_path["deploy/server.pem"].message
    assert "no COPY takes it into the image" in by_path["ops/.env"].message
    assert "hunter2" not in by_path["ops/.env"].message
    # .git/ is one finding with its size, however many files it holds.
    [git] = [f for f in by_path.values() if f.path == ".git"]
    assert git.message.startswith(".git/ (3 files, 2.9 KiB)")
