"""A real `websockets` server on 127.0.0.1 that streams agent events the way netra's bridge
shapes them, with one switchable fault. No fault waits on time but `slow` (the fault is the
delay); the leak faults wait on a barrier until every session has connected."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response


@dataclass
class Faults:
    fault: str = "none"
    sessions: int = 1
    joined: list[tuple[dict[str, Any], ServerConnection]] = field(default_factory=list)
    all_joined: asyncio.Event = field(default_factory=asyncio.Event)
    sent: int = 0
    all_sent: asyncio.Event = field(default_factory=asyncio.Event)


def events(request: dict[str, Any], fault: str) -> list[dict[str, Any]]:
    user, run = request.get("user_id", "?"), f"run-{request.get('thread_id', '?')}"
    base = {"run_id": run, "user_id": user, "agent_name": "triage", "timestamp": "2026-12-02T10:00:00+00:00"}
    out = [
        {"type": "agent_started", **base, "data": {"status": "started", "message": "triage has started"}},
        {
            "type": "agent_thinking",
            **base,
            "data": {"reasoning": f"thinking about {request.get('task', '')}", "step_number": 1},
        },
        {
            "type": "tool_executing",
            **base,
            "tool_name": "search",
            "data": {"parameters": {"q": "x"}, "status": "executing"},
        },
        {
            "type": "tool_completed",
            **base,
            "tool_name": "search",
            "results": {},
            "data": {"result": {}, "execution_time_ms": 12, "status": "completed"},
        },
        {"type": "agent_completed", **base, "data": {"status": "completed", "result": {}, "execution_time_ms": 30}},
    ]
    if fault == "missing":
        del out[3]
    elif fault == "order":
        out[1], out[2] = out[2], out[1]
    elif fault == "unclosed":
        out.insert(2, {**out[2], "tool_name": "fetch"})
    elif fault == "nested":
        del out[1]["data"]["reasoning"]
    elif fault == "wrongtype":
        out[3]["data"]["execution_time_ms"] = "12"
    elif fault == "samerun":
        for e in out:
            e["run_id"] = "run-shared"
    return out


@asynccontextmanager
async def agent_server(fault: str = "none", sessions: int = 1) -> AsyncIterator[str]:
    state = Faults(fault, sessions)

    def process_request(connection: ServerConnection, request: Request) -> Response | None:
        if state.fault == "reject":
            return Response(401, "Unauthorized", Headers([("Content-Length", "0")]), b"")
        return None

    async def handler(ws: ServerConnection) -> None:
        try:
            async for raw in ws:
                request = json.loads(raw)
                if request.get("type") == "resume":
                    for event in events(request, "none")[2:]:
                        await ws.send(json.dumps(event))
                    continue
                await session(ws, request)
        except Exception:
            return

    async def session(ws: ServerConnection, request: dict[str, Any]) -> None:
        stream = events(request, state.fault)
        if state.fault == "notjson":
            await ws.send("<html>oops</html>")
        if state.fault in ("leak", "leak-quiet"):
            state.joined.append((request, ws))
            if len(state.joined) == state.sessions:
                state.all_joined.set()
            await state.all_joined.wait()
            for other, peer in state.joined:
                if peer is ws:
                    continue
                thinking = dict(stream[1])
                if state.fault == "leak-quiet":  # the receiver's own id: only the nonce gives it away
                    thinking = {**thinking, "user_id": other.get("user_id"), "run_id": f"run-{other.get('thread_id')}"}
                await peer.send(json.dumps(thinking))
            state.sent += 1
            if state.sent == state.sessions:
                state.all_sent.set()
            await state.all_sent.wait()
        for n, event in enumerate(stream):
            if state.fault == "drop" and n == 1:
                await ws.close(1011, "agent crashed")
                return
            if state.fault == "silent" and n == 2:
                await ws.wait_closed()  # never another message
            if state.fault == "slow" and event["type"] == "agent_completed":
                await asyncio.sleep(0.3)
            await ws.send(json.dumps(event))

    async with serve(handler, "127.0.0.1", 0, process_request=process_request) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ws"
