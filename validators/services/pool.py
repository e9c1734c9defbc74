"""The run's services: each started when a validator first needs it, shared by every holder,
stopped when the last one lets go, and all stopped when the run ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import anyio
from anyio.abc import TaskGroup

from validators.engine.model import Finding, ServiceSpec, ServiceStatus, Severity
from validators.engine.needs import Lease, Publish
from validators.engine.store import slug
from validators.services.service import RunningService


class ServiceLease:
    def __init__(self, holder: str) -> None:
        self.holder = holder
        self._problem: Finding | None = None
        self._lost = anyio.Event()
        self._crashed: RunningService | None = None
        self.services: list[RunningService] = []

    @property
    def problem(self) -> Finding | None:
        return self._problem

    @property
    def lost(self) -> anyio.Event:
        return self._lost

    def crashed(self, service: RunningService) -> None:
        if self._crashed is None:
            self._crashed = service
        self._lost.set()

    def lost_finding(self) -> Finding:
        assert self._crashed is not None
        service = self._crashed
        return Finding(
            Severity.ERROR,
            "service/crashed",
            f"service {service.spec.name} crashed while this validator ran: {service.ended_how()}\n"
            + service.failure().split("\n", 1)[1],
            hint=f"its full log: {service.log_path}",
            key=f"service/crashed:{service.spec.name}",
        )


@dataclass
class _Slot:
    spec: ServiceSpec
    holders: set[str] = field(default_factory=set)
    current: RunningService | None = None
    attempts: int = 0
    renew: bool = False
    lock: anyio.Lock = field(default_factory=anyio.Lock)


class ServicePool:
    def __init__(self, specs: Sequence[ServiceSpec], project_dir: Path, *, term_grace_s: float = 2.0) -> None:
        self.project_dir = project_dir
        self.term_grace_s = term_grace_s
        self._slots = {s.name: _Slot(s) for s in specs}
        self._leases: dict[str, ServiceLease] = {}
        self._tg: TaskGroup | None = None
        self._publish: Publish | None = None
        self._run_dir = project_dir
        self._closed = False

    @property
    def names(self) -> list[str]:
        return list(self._slots)

    def current(self, name: str) -> RunningService | None:
        return self._slots[name].current

    async def open(self, tg: TaskGroup, publish: Publish, run_dir: Path) -> None:
        self._tg, self._publish, self._run_dir = tg, publish, run_dir

    async def acquire(self, holder: str, names: Sequence[str]) -> Lease:
        lease = ServiceLease(holder)
        self._leases[holder] = lease
        slots = [self._slots[n] for n in names]
        for slot in slots:  # before any await: see `ServiceHost.acquire`
            slot.holders.add(holder)
        for slot in slots:
            service = await self._running(slot)
            lease.services.append(service)
            service.on_crash.append(lease.crashed)
        for service in lease.services:
            await service.settled.wait()
        for service in lease.services:
            if service.status is not ServiceStatus.READY:
                lease._problem = Finding(
                    Severity.ERROR,
                    "service/not-ready",
                    service.failure(),
                    hint=f"the service is declared at {service.spec.source.removeprefix('config: ')}; "
                    f"its full log: {service.log_path}",
                    key=f"service/not-ready:{service.spec.name}",
                )
                break
        return lease

    async def _running(self, slot: _Slot) -> RunningService:
        async with slot.lock:
            current = slot.current
            if current is not None and slot.renew:
                slot.renew = False
                await current.stop()
                current = None
            if current is None or current.ended.is_set():
                assert self._tg is not None and self._publish is not None, "open the pool first"
                slot.attempts += 1
                current = RunningService(
                    slot.spec,
                    self.project_dir,
                    attempt=slot.attempts,
                    log_path=self._run_dir / f"service-{slug(slot.spec.name)}-{slot.attempts}.log",
                    publish=self._publish,
                    term_grace_s=self.term_grace_s,
                )
                slot.current = current
                current.start(self._tg)
            return current

    def release(self, holder: str) -> None:
        lease = self._leases.pop(holder, None)
        if lease is not None:
            for service in lease.services:
                if lease.crashed in service.on_crash:
                    service.on_crash.remove(lease.crashed)
        for slot in self._slots.values():
            if holder in slot.holders:
                slot.holders.discard(holder)
                if not slot.holders and self._tg is not None and not self._closed:
                    self._tg.start_soon(self._stop_unheld, slot)

    def renew(self, name: str) -> None:
        self._slots[name].renew = True

    async def _stop_unheld(self, slot: _Slot) -> None:
        with anyio.CancelScope(shield=True):
            async with slot.lock:
                if not slot.holders and slot.current is not None:
                    await slot.current.stop()

    async def close(self) -> None:
        self._closed = True
        with anyio.CancelScope(shield=True):
            async with anyio.create_task_group() as tg:
                for slot in self._slots.values():
                    if slot.current is not None:
                        tg.start_soon(slot.current.stop)
