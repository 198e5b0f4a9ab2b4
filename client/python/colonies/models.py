"""Data objects of the protocol (docs/protocol.md §8) as typed Python classes.

Requests are built from ``FunctionSpec`` / ``Conditions``; replies become ``Process``,
``ProcessGraph``, ``Executor``, ``Log`` ... Each reply object keeps the server's whole JSON in
``raw``, so a field this SDK does not model yet is still there.
"""

from __future__ import annotations

import datetime as _dt
import enum
import re
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from typing import Any, Dict, List, Mapping, Optional, Sequence


class ProcessState(enum.IntEnum):
    """Process states; SUCCESS, FAILED and CANCELLED are final."""

    WAITING = 0
    RUNNING = 1
    SUCCESS = 2
    FAILED = 3
    CANCELLED = 4

    @property
    def is_final(self) -> bool:
        """Whether the state can no longer change."""
        return self >= ProcessState.SUCCESS


class ExecutorState(enum.IntEnum):
    """Executor states."""

    PENDING = 0
    APPROVED = 1
    REJECTED = 2
    UNREGISTERED = 3


def _state(enum_type: Any, value: Any) -> Any:
    try:
        return enum_type(int(value))
    except (TypeError, ValueError):
        return value


_RFC3339 = re.compile(r"^(\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)$")


def parse_time(text: Any) -> Optional[_dt.datetime]:
    """An RFC 3339 time of a reply as an aware UTC datetime; None for the zero (unset) time.

    Nanoseconds are cut to microseconds, which is what ``datetime`` holds.
    """
    if not isinstance(text, str):
        return None
    m = _RFC3339.match(text)
    if not m or text.startswith("0001-01-01"):
        return None
    main, frac, zone = m.group(1), m.group(2) or "", m.group(3)
    zone = "+00:00" if zone in ("Z", "z") else zone
    micro = ("." + (frac + "000000")[:6]) if frac else ""
    try:
        return _dt.datetime.fromisoformat(main.replace("t", "T").replace(" ", "T") + micro + zone).astimezone(
            _dt.timezone.utc)
    except ValueError:
        return None


@dataclass
class Conditions:
    """Where a process may run (docs/protocol.md §8, "Conditions").

    ``colonyname`` and ``executortype`` (or ``executornames``) are required by the server;
    resources are quantity strings (``cpu="4"``, ``mem="16Gi"``) and empty means not asked.
    """

    colonyname: str = ""
    executortype: str = ""
    executornames: List[str] = field(default_factory=list)
    locationname: str = ""
    dependencies: List[str] = field(default_factory=list)
    nodes: int = 0
    processes: int = 0
    processespernode: int = 0
    cpu: str = ""
    mem: str = ""
    storage: str = ""
    gpu: Dict[str, Any] = field(default_factory=dict)
    walltime: int = 0
    fallback: List[Dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> Dict[str, Any]:
        """The JSON object the server reads; empty optional parts are left out."""
        out: Dict[str, Any] = {"colonyname": self.colonyname, "executortype": self.executortype}
        if self.executornames:
            out["executornames"] = list(self.executornames)
        if self.locationname:
            out["locationname"] = self.locationname
        if self.dependencies:
            out["dependencies"] = list(self.dependencies)
        for name in ("nodes", "processes", "processespernode", "walltime"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("cpu", "mem", "storage"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.gpu:
            out["gpu"] = dict(self.gpu)
        if self.fallback:
            out["fallback"] = [dict(f) for f in self.fallback]
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Conditions":
        """Reads the conditions of a stored spec."""
        return cls(
            colonyname=obj.get("colonyname") or "", executortype=obj.get("executortype") or "",
            executornames=list(obj.get("executornames") or []), locationname=obj.get("locationname") or "",
            dependencies=list(obj.get("dependencies") or []), nodes=obj.get("nodes") or 0,
            processes=obj.get("processes") or 0, processespernode=obj.get("processespernode") or 0,
            cpu=obj.get("cpu") or "", mem=obj.get("mem") or "", storage=obj.get("storage") or "",
            gpu=dict(obj.get("gpu") or {}), walltime=obj.get("walltime") or 0,
            fallback=list(obj.get("fallback") or []))


@dataclass
class FunctionSpec:
    """A function to run and the conditions for running it (docs/protocol.md §8, "FunctionSpec").

    ``maxwaittime`` / ``maxexectime`` are seconds (0: no limit); ``maxretries`` counts how
    often an execution timeout may re-queue the process (-1: unlimited).
    """

    funcname: str
    args: List[Any] = field(default_factory=list)
    kwargs: Dict[str, Any] = field(default_factory=dict)
    conditions: Conditions = field(default_factory=Conditions)
    nodename: str = ""
    priority: int = 0
    maxwaittime: int = 0
    maxexectime: int = 0
    maxretries: int = 0
    label: str = ""
    env: Dict[str, str] = field(default_factory=dict)
    fs: Any = None
    channels: List[str] = field(default_factory=list)

    def to_json(self) -> Dict[str, Any]:
        """The JSON object of ``spec`` in ``submitfuncspecmsg``."""
        out: Dict[str, Any] = {
            "nodename": self.nodename, "funcname": self.funcname, "args": list(self.args),
            "kwargs": dict(self.kwargs), "priority": self.priority, "maxwaittime": self.maxwaittime,
            "maxexectime": self.maxexectime, "maxretries": self.maxretries,
            "conditions": self.conditions.to_json(), "label": self.label, "env": dict(self.env)}
        if self.fs is not None:
            out["fs"] = self.fs
        if self.channels:
            out["channels"] = list(self.channels)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "FunctionSpec":
        """Reads a stored spec (the ``spec`` of a Process)."""
        return cls(
            funcname=obj.get("funcname") or "", args=list(obj.get("args") or []),
            kwargs=dict(obj.get("kwargs") or {}), conditions=Conditions.from_json(obj.get("conditions") or {}),
            nodename=obj.get("nodename") or "", priority=obj.get("priority") or 0,
            maxwaittime=obj.get("maxwaittime") or 0, maxexectime=obj.get("maxexectime") or 0,
            maxretries=obj.get("maxretries") or 0, label=obj.get("label") or "", env=dict(obj.get("env") or {}),
            fs=obj.get("fs"), channels=list(obj.get("channels") or []))


@dataclass
class Process:
    """A process as the server reports it. ``input`` is the protocol's ``in`` (parents' outputs)."""

    processid: str
    state: ProcessState
    spec: FunctionSpec
    out: List[Any]
    errors: List[str]
    input: List[Any]
    initiatorid: str = ""
    initiatorname: str = ""
    assignedexecutorid: str = ""
    processgraphid: str = ""
    parents: List[str] = field(default_factory=list)
    children: List[str] = field(default_factory=list)
    retries: int = 0
    waitreason: str = ""
    submissiontime: Optional[_dt.datetime] = None
    starttime: Optional[_dt.datetime] = None
    endtime: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Process":
        """Reads a Process object of a reply."""
        return cls(
            processid=obj.get("processid") or "", state=_state(ProcessState, obj.get("state", 0)),
            spec=FunctionSpec.from_json(obj.get("spec") or {}), out=list(obj.get("out") or []),
            errors=list(obj.get("errors") or []), input=list(obj.get("in") or []),
            initiatorid=obj.get("initiatorid") or "", initiatorname=obj.get("initiatorname") or "",
            assignedexecutorid=obj.get("assignedexecutorid") or "", processgraphid=obj.get("processgraphid") or "",
            parents=list(obj.get("parents") or []), children=list(obj.get("children") or []),
            retries=obj.get("retries") or 0, waitreason=obj.get("waitreason") or "",
            submissiontime=parse_time(obj.get("submissiontime")), starttime=parse_time(obj.get("starttime")),
            endtime=parse_time(obj.get("endtime")), raw=dict(obj))

    @property
    def is_final(self) -> bool:
        """Whether the process has ended (SUCCESS, FAILED or CANCELLED)."""
        return ProcessState(self.state).is_final


@dataclass
class Progress:
    """Nodes of a workflow per state."""

    total: int = 0
    waiting: int = 0
    running: int = 0
    successful: int = 0
    failed: int = 0
    cancelled: int = 0

    @property
    def done(self) -> int:
        """Nodes in a final state."""
        return self.successful + self.failed + self.cancelled


@dataclass
class ProcessGraph:
    """A submitted workflow (docs/protocol.md §8, "ProcessGraph")."""

    processgraphid: str
    colonyname: str
    state: ProcessState
    processids: List[str]
    rootprocessids: List[str]
    progress: Progress
    initiatorname: str = ""
    submissiontime: Optional[_dt.datetime] = None
    starttime: Optional[_dt.datetime] = None
    endtime: Optional[_dt.datetime] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "ProcessGraph":
        """Reads a ProcessGraph object of a reply."""
        p = obj.get("progress") or {}
        progress = Progress(**{k: int(p.get(k) or 0) for k in
                               ("total", "waiting", "running", "successful", "failed", "cancelled")})
        if not progress.total:
            progress.total = len(obj.get("processids") or [])
        return cls(
            processgraphid=obj.get("processgraphid") or "", colonyname=obj.get("colonyname") or "",
            state=_state(ProcessState, obj.get("state", 0)), processids=list(obj.get("processids") or []),
            rootprocessids=list(obj.get("rootprocessids") or []), progress=progress,
            initiatorname=obj.get("initiatorname") or "", submissiontime=parse_time(obj.get("submissiontime")),
            starttime=parse_time(obj.get("starttime")), endtime=parse_time(obj.get("endtime")), raw=dict(obj))

    @property
    def is_final(self) -> bool:
        """Whether the graph has ended: SUCCESS, CANCELLED, or FAILED with no node still running."""
        state = ProcessState(self.state)
        if state == ProcessState.FAILED:
            return self.progress.running == 0 and self.progress.waiting == 0
        return state.is_final


@dataclass
class Executor:
    """An executor registered in a colony."""

    executorid: str
    executorname: str
    executortype: str
    colonyname: str
    state: ExecutorState
    locationname: str = ""
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Executor":
        """Reads an Executor object of a reply."""
        return cls(obj.get("executorid") or "", obj.get("executorname") or "", obj.get("executortype") or "",
                   obj.get("colonyname") or "", _state(ExecutorState, obj.get("state", 0)),
                   obj.get("locationname") or "", dict(obj))


@dataclass
class Log:
    """One log line of a process (or of an executor, with ``processid`` empty)."""

    processid: str
    colonyname: str
    executorname: str
    message: str
    timestamp: int  # Unix nanoseconds, UTC

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> "Log":
        """Reads a Log object of a reply."""
        return cls(obj.get("processid") or "", obj.get("colonyname") or "", obj.get("executorname") or "",
                   obj.get("message") or "", int(obj.get("timestamp") or 0))

    @property
    def time(self) -> _dt.datetime:
        """The timestamp as an aware UTC datetime."""
        return _dt.datetime.fromtimestamp(self.timestamp / 1e9, tz=_dt.timezone.utc)


def as_list(value: Any) -> List[Any]:
    """A handler's return value as a process output: None -> [], list/tuple -> list, else [value]."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def str_list(values: Optional[Sequence[Any]]) -> List[str]:
    """Strings of a sequence (for ``errors``), refusing a bare string by mistake."""
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values]


_SPEC_FIELDS = frozenset(f.name for f in dataclass_fields(FunctionSpec)) - {"conditions", "funcname"}
_CONDITION_FIELDS = frozenset(f.name for f in dataclass_fields(Conditions))


def split_spec_options(options: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Sorts keyword options into FunctionSpec fields and Conditions fields by name.

    Raises:
        TypeError: an option that is neither, naming the valid ones.
    """
    spec: Dict[str, Any] = {}
    conditions: Dict[str, Any] = {}
    for name, value in options.items():
        if name in _SPEC_FIELDS:
            spec[name] = value
        elif name in _CONDITION_FIELDS:
            conditions[name] = value
        else:
            raise TypeError(f"unknown option '{name}': a FunctionSpec takes {', '.join(sorted(_SPEC_FIELDS))} "
                            f"and conditions {', '.join(sorted(_CONDITION_FIELDS))}")
    return {"spec": spec, "conditions": conditions}
