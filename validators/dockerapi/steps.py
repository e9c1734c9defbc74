"""The steps of a build, numbered the way each builder numbers them, so that what the stream
says ("Step 4/9 : RUN …", "[stage-1 2/3] RUN …") maps to the Dockerfile line that wrote it.

Classic (moby `builder/dockerfile/builder.go`): every ARG before the first FROM, every FROM and
every instruction of the stages up to the target is a step, and the API's `labels` add one
LABEL step at the end. BuildKit names a vertex `[stage k/n] TEXT`, numbering only the
instructions that make filesystem operations (FROM an image, RUN, COPY, ADD, WORKDIR) of the
stages the target needs; a stage with no name is `stage-N`."""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field

from validators.docker.dockerfile import Dockerfile, Instruction, Stage

TAIL_LINES = 40
_BUILDKIT_OPS = ("RUN", "COPY", "ADD", "WORKDIR")
_VERTEX = re.compile(r"^\[(?:(?P<stage>[^\]\s]+) )?\s*(?P<k>\d+)/(?P<n>\d+)\] (?P<text>.*)$", re.S)
_FROM_STAGE = re.compile(r"(?:^|,)from=([^,\s]+)")


@dataclass
class Step:
    number: int  # 1-based, in the plan
    stage: int
    keyword: str
    text: str  # the instruction as the builder shows it
    line: int | None  # None: a step the API adds (the labels' LABEL)
    state: str = "waiting"  # waiting, running, cached, built, base (a FROM that is done), failed
    started: float | None = None  # time.monotonic()
    finished: float | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=TAIL_LINES))
    measured_s: float | None = None  # BuildKit's own timing of the step, when it gives one

    @property
    def duration_s(self) -> float | None:
        if self.measured_s is not None:
            return self.measured_s
        if self.started is None:
            return None
        return (self.finished if self.finished is not None else time.monotonic()) - self.started

    @property
    def done(self) -> bool:
        return self.state in ("cached", "built", "base")


def _shown(ins: Instruction) -> str:
    flags = " ".join(f"--{k}={v}" if v else f"--{k}" for k, v in ins.flags)
    return " ".join(part for part in (ins.keyword, flags, ins.args) if part)


def stage_index(dockerfile: Dockerfile, target: str | None) -> int:
    """The stage a build with `target` ends at; raises KeyError for an unknown target."""
    if target is None:
        return len(dockerfile.stages) - 1
    for stage in dockerfile.stages:
        if stage.name is not None and stage.name.lower() == target.lower():
            return stage.index
    raise KeyError(target)


def _stage_ref(dockerfile: Dockerfile, ref: str, before: int) -> int | None:
    for stage in dockerfile.stages[:before]:
        if stage.name is not None and stage.name.lower() == ref.lower():
            return stage.index
    if ref.isdigit() and int(ref) < before:
        return int(ref)
    return None


def needed_stages(dockerfile: Dockerfile, target: str | None) -> list[int]:
    """The stages BuildKit builds for `target`: it and every stage it uses, by FROM, COPY --from
    or RUN --mount from=."""
    last = stage_index(dockerfile, target)
    wanted = {last}
    todo = [last]
    while todo:
        stage = dockerfile.stages[todo.pop()]
        refs = [stage.base]
        for ins in stage.instructions:
            source = ins.flag("from")
            if source:
                refs.append(source)
            mount = ins.flag("mount")
            if mount:
                refs += _FROM_STAGE.findall(mount)
        for ref in refs:
            found = _stage_ref(dockerfile, ref, stage.index)
            if found is not None and found not in wanted:
                wanted.add(found)
                todo.append(found)
    return sorted(wanted)


class StepPlan:
    def __init__(self, dockerfile: Dockerfile, builder: str, target: str | None, labels: int = 0) -> None:
        self.dockerfile = dockerfile
        self.builder = builder
        self.steps: list[Step] = []
        self._labels = labels if builder == "classic" else 0
        last = stage_index(dockerfile, target)
        if builder == "classic":
            for ins in dockerfile.meta_args:
                self._add(-1, ins.keyword, _shown(ins), ins.line)
            for stage in dockerfile.stages[: last + 1]:
                self._add(stage.index, "FROM", self._from_text(stage), stage.line)
                for ins in stage.instructions:
                    self._add(stage.index, ins.keyword, _shown(ins), ins.line)
            # Docker 20.10 adds one LABEL step per label; later engines one for them all.
            for _ in range(labels):
                self._add(last, "LABEL", "LABEL (the build's labels)", None)
        else:
            for index in needed_stages(dockerfile, target):
                stage = dockerfile.stages[index]
                if stage.base.lower() != "scratch":
                    self._add(index, "FROM", self._from_text(stage), stage.line)
                for ins in stage.instructions:
                    if ins.keyword in _BUILDKIT_OPS:
                        self._add(index, ins.keyword, _shown(ins), ins.line)

    @classmethod
    def empty(cls, builder: str) -> StepPlan:
        """No plan (the Dockerfile did not parse here): steps are added as the builder names them."""
        return cls(Dockerfile("Dockerfile", [Stage(0, "scratch", None, 1)], {}), builder, None)

    @staticmethod
    def _from_text(stage: Stage) -> str:
        return f"FROM {stage.base}" + (f" AS {stage.name}" if stage.name else "")

    def _add(self, stage: int, keyword: str, text: str, line: int | None) -> Step:
        step = Step(len(self.steps) + 1, stage, keyword, text, line)
        self.steps.append(step)
        return step

    @property
    def total(self) -> int:
        return len(self.steps)

    def classic_step(self, number: int, total: int, text: str) -> Step:
        """The step of `Step number/total : text`."""
        if total != len(self.steps) and self._labels and total == len(self.steps) - self._labels + 1:
            # One LABEL step for all labels (Docker 23+), not one each.
            del self.steps[total:]
        if total == len(self.steps) and 1 <= number <= total:
            step = self.steps[number - 1]
        else:
            # Our count differs from the daemon's (ONBUILD triggers, a parser difference):
            # the daemon's numbering wins, matched by keyword where it can be.
            keyword = text.split(" ", 1)[0].upper()
            unmatched = [s for s in self.steps if s.state == "waiting" and s.keyword == keyword]
            step = unmatched[0] if unmatched else self._add(-1, keyword, text, None)
        step.text = " ".join(text.split())  # continuation lines leave runs of spaces
        return step

    def buildkit_step(self, name: str) -> Step | None:
        """The step a BuildKit vertex stands for, or None for BuildKit's own vertices
        ("[internal] load …", "exporting to image")."""
        m = _VERTEX.match(name)
        if m is None:
            return None
        text = m.group("text")
        keyword = text.split(" ", 1)[0].upper()
        stage = self._stage_of(m.group("stage"))
        candidates = [
            s
            for s in self.steps
            if (stage is None or s.stage == stage) and s.keyword == keyword and s.state == "waiting"
        ]
        same = [s for s in candidates if s.text.split() == text.split()]
        if same or candidates:
            step = (same or candidates)[0]
        else:
            # A vertex we did not plan for (a stage we did not think it needs): shown all the same.
            known = [s for s in self.steps if s.text.split() == text.split() and (stage is None or s.stage == stage)]
            if known:
                return known[0]
            step = self._add(stage if stage is not None else -1, keyword, text, None)
        step.text = " ".join(text.split())
        return step

    def _stage_of(self, label: str | None) -> int | None:
        stages = self.dockerfile.stages
        if label is None:
            return len(stages) - 1 if len(stages) == 1 else None
        for stage in stages:
            if stage.name is not None and stage.name.lower() == label.lower():
                return stage.index
        if label.startswith("stage-") and label[6:].isdigit() and int(label[6:]) < len(stages):
            return int(label[6:])
        return None

    @property
    def current(self) -> Step | None:
        running = [s for s in self.steps if s.state == "running"]
        return running[-1] if running else None

    def counts(self) -> tuple[int, int]:
        """(cached, built) steps so far."""
        return sum(s.state == "cached" for s in self.steps), sum(s.state == "built" for s in self.steps)
