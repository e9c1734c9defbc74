"""One `/build` request through docker-py's HTTP session, streamed both ways, and a cancel that
really stops the build on the daemon.

docker-py's `APIClient.build` cannot ask for BuildKit (no `version` parameter) and never closes
its response, so closing its generator leaves the daemon building (measured: the RUN container
was still running 10 s later). The request is therefore sent with docker-py's private `_post`,
`_url`, `_raise_for_status` and `_stream_helper` (tested for their shape in
tests/test_docker_build_units.py); a cancel shuts the response's socket down, which makes the
daemon stop and remove the step's container, and for BuildKit also calls `/build/cancel`, as the
docker CLI does."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

BuildItem = dict[str, Any]


class BuildCancelled(Exception):
    """The build was cancelled while the context was still being sent."""


class _ContextFailed(Exception):
    pass


class EngineGone(Exception):
    """The engine closed the connection before the build ended."""


def _socket_of(response: Any) -> socket.socket | None:
    raw = getattr(response, "raw", None)
    for path in (("_fp", "fp", "raw", "_sock"), ("_connection", "sock")):
        node: Any = raw
        for name in path:
            node = getattr(node, name, None)
            if node is None:
                break
        if isinstance(node, socket.socket):
            return node
    return None


class BuildCall:
    def __init__(self, api: Any, params: Mapping[str, str], body: Iterator[bytes]) -> None:
        self._api = api
        self._params = dict(params)
        self._body = body
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._response: Any = None
        self.sent_bytes = 0
        self.context_error: OSError | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def _chunks(self) -> Iterator[bytes]:
        try:
            for chunk in self._body:
                if self._cancelled.is_set():
                    raise BuildCancelled
                self.sent_bytes += len(chunk)
                yield chunk
        except OSError as exc:
            # Not raised as an OSError: urllib3 would take it for a network error and wrap it.
            self.context_error = exc
            raise _ContextFailed from exc

    def run(self, on_item: Callable[[BuildItem], None]) -> None:
        """Send the request and hand each decoded stream item to `on_item`, in this thread.
        Raises docker's APIError for a refused request (a Dockerfile that does not parse),
        EngineGone when the connection breaks, BuildCancelled after a cancel."""
        from docker.errors import APIError  # heavy (requests): only when a build runs

        api = self._api
        try:
            response = api._post(
                api._url("/build"),
                data=self._chunks(),
                params=self._params,
                headers={"Content-Type": "application/x-tar"},
                stream=True,
                timeout=None,  # a RUN step may be silent for many minutes
            )
        except BuildCancelled:
            raise
        except Exception as exc:
            if self.context_error is not None:
                raise self.context_error from None
            if self._cancelled.is_set():
                raise BuildCancelled from exc
            raise EngineGone(str(exc)) from exc
        with self._lock:
            self._response = response
            cancelled = self._cancelled.is_set()
        try:
            if cancelled:
                self._shutdown(response)
                raise BuildCancelled
            api._raise_for_status(response)
            for item in api._stream_helper(response, decode=True):
                if isinstance(item, dict):
                    on_item(item)
        except (APIError, BuildCancelled):
            raise
        except Exception as exc:
            if self._cancelled.is_set():
                raise BuildCancelled from exc
            raise EngineGone(str(exc) or type(exc).__name__) from exc
        finally:
            response.close()
        if self._cancelled.is_set():
            raise BuildCancelled

    def cancel(self) -> None:
        """From any thread: stop the build on the daemon, not only here."""
        self._cancelled.set()
        with self._lock:
            response = self._response
        build_id = self._params.get("buildid")
        if build_id and self._params.get("version") == "2":
            try:
                self._api._post(self._api._url("/build/cancel"), params={"id": build_id}, timeout=5)
            except Exception:
                pass  # the socket shutdown below stops it all the same
        if response is not None:
            self._shutdown(response)

    @staticmethod
    def _shutdown(response: Any) -> None:
        sock = _socket_of(response)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
