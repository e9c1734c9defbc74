"""Which Docker engine to talk to, as the docker CLI chooses it (DOCKER_HOST and the TLS
variables, else the current docker context, else the local socket), and why it does not answer
in words that say what to do."""

from __future__ import annotations

import errno
import json
import os
import socket
from dataclasses import dataclass
from typing import Any

DEFAULT_HOST = "unix:///var/run/docker.sock"
PING_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Endpoint:
    host: str  # what the client dials, e.g. unix:///var/run/docker.sock or tcp://10.0.0.2:2376
    source: str  # "DOCKER_HOST", "docker context NAME" or "default"
    tls: bool = False

    def describe(self) -> str:
        via = "" if self.source == "default" else f" ({self.source})"
        return f"{self.host}{via}{' with TLS' if self.tls else ''}"


class EngineUnavailable(Exception):
    """No engine answered: the message names the endpoint and what to do."""

    def __init__(self, endpoint: Endpoint, message: str) -> None:
        super().__init__(message)
        self.endpoint = endpoint


def resolve(environment: dict[str, str] | None = None) -> Endpoint:
    env = dict(os.environ if environment is None else environment)
    host = env.get("DOCKER_HOST", "").strip()
    tls = env.get("DOCKER_TLS_VERIFY", "") not in ("", "0") or bool(env.get("DOCKER_TLS"))
    if host:
        return Endpoint(host, "DOCKER_HOST", tls)
    name = env.get("DOCKER_CONTEXT") or _current_context(env)
    if not name or name == "default":
        return Endpoint(DEFAULT_HOST, "default")
    try:
        # Only a configured context loads the SDK: `checkdeck list` stays quick otherwise.
        from docker.context import ContextAPI

        found = ContextAPI.kwargs_from_context(name, environment=env)
    except Exception:  # an unreadable context: the CLI falls back the same way
        name, found = "default", {}
    base = found.get("base_url")
    if isinstance(base, str) and base and name != "default":
        return Endpoint(base, f"docker context {name}", found.get("tls") is not None)
    return Endpoint(DEFAULT_HOST, "default")


def _current_context(env: dict[str, str]) -> str | None:
    """`currentContext` of the docker CLI's config.json (where docker-py looks for it)."""
    folder = env.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as f:
            value = json.load(f).get("currentContext")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def quick_problem(endpoint: Endpoint, timeout: float) -> str | None:
    """Why `endpoint` does not answer a ping, or None; without loading the SDK for a plain
    unix socket or TCP port (TLS and ssh endpoints go through it)."""
    path = _unix_path(endpoint.host)
    address: tuple[str, int] | None = None
    if path is None and endpoint.host.startswith("tcp://") and not endpoint.tls:
        rest = endpoint.host[len("tcp://") :].rstrip("/")
        hostname, _, port = rest.rpartition(":")
        if port.isdigit():
            address = (hostname.strip("[]"), int(port))
    if path is None and address is None:
        try:
            api, _ = connect(endpoint, timeout=timeout)
        except EngineUnavailable as exc:
            return str(exc)
        api.close()
        return None
    try:
        if path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path)
        else:
            assert address is not None
            sock = socket.create_connection(address, timeout=timeout)
        with sock:
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            answer = sock.recv(64)
    except OSError as exc:
        return explain(endpoint, exc)
    if not answer.startswith(b"HTTP/") or b" 200 " not in answer.split(b"\r\n", 1)[0]:
        first = answer.split(b"\r\n", 1)[0].decode("latin-1")
        return f"{endpoint.describe()} answered, but not as a Docker engine does: {first or 'nothing'}"
    return None


def _unix_path(host: str) -> str | None:
    return host[len("unix://") :] if host.startswith("unix://") else None


def explain(endpoint: Endpoint, exc: BaseException) -> str:
    """Why `endpoint` did not answer and what to do, from the error the client raised."""
    path = _unix_path(endpoint.host)
    chain: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(c) for c in chain)
    where = endpoint.describe()
    numbers = {getattr(c, "errno", None) for c in chain}
    if path is not None:
        if errno.EACCES in numbers or "Permission denied" in text:
            return (
                f"permission denied on the Docker socket {path} ({where}): add your user to the `docker` group "
                "(`sudo usermod -aG docker $USER`, then log in again) or run checkdeck as a user that may use it"
            )
        if not os.path.exists(path) or errno.ENOENT in numbers or "No such file" in text:
            return (
                f"no Docker engine at {where}: the socket {path} does not exist; start the engine "
                "(`sudo systemctl start docker`, or Docker Desktop) or point DOCKER_HOST at one"
            )
        if errno.ECONNREFUSED in numbers or "Connection refused" in text:
            return f"the Docker socket {path} ({where}) refuses connections: the engine is not running; start it"
    if "timed out" in text.lower() or "timeout" in type(exc).__name__.lower():
        return f"the Docker engine at {where} did not answer within {PING_TIMEOUT_S:.0f} s: is it overloaded or stuck?"
    if "SSL" in text or "certificate" in text.lower():
        return f"TLS to the Docker engine at {where} failed ({_first_line(exc)}): check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY"
    if errno.ECONNREFUSED in numbers or "Connection refused" in text:
        return f"nothing listens at {where}: start the engine there or fix DOCKER_HOST / the docker context"
    return f"the Docker engine at {where} did not answer: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def connect(endpoint: Endpoint | None = None, *, timeout: float = PING_TIMEOUT_S) -> tuple[Any, Endpoint]:
    """A docker-py APIClient that answered a ping, and the endpoint; raises EngineUnavailable."""
    endpoint = endpoint or resolve()
    try:
        import docker

        client = docker.from_env(timeout=int(timeout), use_context=True)
        api = client.api
        api.ping()
    except Exception as exc:
        raise EngineUnavailable(endpoint, explain(endpoint, exc)) from exc
    return api, endpoint


def builder_version(api: Any) -> str | None:
    """The `Builder-Version` the engine advertises in `/_ping` (Docker 23+ says "2")."""
    try:
        response = api._get(api._url("/_ping"))
        version = response.headers.get("Builder-Version")
        return str(version) if version is not None else None
    except Exception:
        return None
