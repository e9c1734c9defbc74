"""Secrets by content where the name leaves it open, and the standard library by the image's
Python version: the rules behind "quiet on healthy repositories", case by case."""

from __future__ import annotations

from pathlib import Path

import pytest

from validators.docker.installs import stdlib_names
from validators.docker.secrets import by_name, needs_content, secret_in_content

KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


@pytest.mark.parametrize(
    ("name", "text", "held"),
    [
        ("cacert.pem", CERT * 3, None),  # a public CA bundle
        ("tls.pem", CERT + KEY, "a private key"),
        ("server.key", KEY, "a private key"),
        (".npmrc", "save-exact=true\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", None),
        (".npmrc", "//registry.npmjs.org/:_authToken=npm_abcdefghijklmnop\n", "a registry or login credential"),
        (".pypirc", "[pypi]\nusername = __token__\n", None),
        (
            ".pypirc",
            "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n",
            "a registry or login credential",
        ),
        (".netrc", "machine example.com login me password s3cr3tpass\n", "a registry or login credential"),
        ("pip.conf", "[global]\nindex-url = https://pypi.org/simple\n", None),
        (
            "pip.conf",
            "[global]\nindex-url = https://me:t0ken123@pkgs.example.com/simple\n",
            "a registry or login credential",
        ),
        (".env", "COMPOSE_PROJECT_NAME=shop\nNEXT_PUBLIC_API=https://api\n", None),
        (".env", "SECRET_KEY=\nDB_PASSWORD=changeme\nAPI_TOKEN=${TOKEN}\n", None),  # empty and placeholders
        (".env", "export DJANGO_SECRET_KEY='x8#kLm2$vQ9!pZ'\n", "a value for DJANGO_SECRET_KEY"),
        ("prod.env", "DATABASE_URL=postgres://app:Zk3vPq9@db/app\n", "a password in the URL of DATABASE_URL"),
        ("credentials.json", '{"installed": {"client_id": "x", "client_secret": "GOCSPX-abcdef"}}', "a credential"),
        ("credentials.json", '{"aws_region": "eu-west-1"}', None),
    ],
)
def test_ambiguous_names_are_judged_by_content(tmp_path: Path, name: str, text: str, held: str | None) -> None:
    assert needs_content(name) and by_name(name) is None
    path = tmp_path / name
    path.write_text(text)
    assert secret_in_content(path) == held


def test_names_that_say_enough_and_examples() -> None:
    assert by_name("deploy/id_ed25519") is not None and by_name("deploy/id_ed25519.pub") is None
    assert by_name(".env.example") is None and not needs_content(".env.example")
    aws = by_name("home/.aws/credentials")
    assert aws is not None and aws.folder == "home/.aws"
    vendored = by_name("lib/site-packages/x/tests/keystore.jks")
    assert vendored is not None and vendored.test_or_vendored


def test_the_standard_library_of_the_images_python() -> None:
    # Unknown version: anything some recent Python has counts as standard, never as first-party.
    assert {"distutils", "tomllib", "cgi", "logging"} <= stdlib_names(None)
    assert "distutils" not in stdlib_names((3, 12)) and "cgi" in stdlib_names((3, 12))
    assert "cgi" not in stdlib_names((3, 13)) and "tomllib" not in stdlib_names((3, 10))
