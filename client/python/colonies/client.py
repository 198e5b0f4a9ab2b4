"""The Colonies client: one signed call per protocol message over ``POST /api``.

Every call builds the payload with the protocol's field names, adds ``msgtype``, a fresh 16-byte
nonce and the current Unix time, signs it with Ed25519 and POSTs it (docs/protocol.md §3). An
error reply raises the ``ServerError`` subclass of its status with the server's message. The
client does not retry (a 429 changed nothing: call again later; each call is signed anew).

A ``Client`` keeps one connection and is **not thread-safe**: use one per thread (``with_key``
makes another cheaply).
"""

from __future__ import annotations

import json
import os
import time
from typing import IO, Any, Callable, Dict, List, Mapping, Optional, Sequence, TypeVar, Union

from . import envelope
from .errors import (ColoniesError, InternalError, ProcessFailed, ProtocolError, RateLimited, TransportError,
                     Unavailable, error_for_status)
from .keys import PrivateKey
from .models import (Conditions, Executor, FunctionSpec, Log, Process, ProcessGraph, ProcessState, as_list,
                     split_spec_options, str_list)
from .progress import ProgressLine
from .transport import DEFAULT_PORT, Endpoint, HttpTransport, make_ssl_context, parse_server, snippet

T = TypeVar("T")
KeyLike = Union[PrivateKey, str, None]
ProcessRef = Union[Process, str]
GraphRef = Union[ProcessGraph, str]


class WaitTimeout(ColoniesError, TimeoutError):
    """``wait`` / ``wait_workflow`` gave up after its ``timeout``; the process goes on."""


def _key(key: KeyLike) -> Optional[PrivateKey]:
    if key is None or isinstance(key, PrivateKey):
        return key
    return PrivateKey(key)


def _id(ref: Union[ProcessRef, GraphRef], attr: str) -> str:
    value = getattr(ref, attr, ref)
    if not isinstance(value, str) or not value:
        raise ValueError(f"expected a {attr} or an object with one, got {ref!r}")
    return value


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()


def _env_key(var: str) -> Optional[PrivateKey]:
    value = _env(var)
    if value:
        return PrivateKey(value)
    path = _env(var + "_FILE")
    if path:
        return PrivateKey.from_file(path)
    return None


class Client:
    """A connection to one coloniesd, signing with one key.

    Args:
        server: ``host``, ``host:port``, ``http://host:port`` or ``https://host:port``.
        key: the private key to sign with (a ``PrivateKey`` or its 64 hex characters). Without
            one only ``version()`` and ``server_info()`` work.
        colony: the colony used when a call's ``colonyname`` is left out.
        port: the port when ``server`` names none (default 50080).
        tls: use HTTPS for a bare host (an ``https://`` URL turns it on by itself).
        ca_file: a PEM CA certificate to trust besides the system's (e.g. a self-signed server).
        verify: check the certificate chain and host name (default). ``False`` keeps the
            traffic encrypted but lets anyone on the path impersonate the server.
        timeout: seconds to wait for a reply (long-polls add their own timeout to it).
    """

    def __init__(self, server: str = "127.0.0.1", key: KeyLike = None, *, colony: Optional[str] = None,
                 port: int = DEFAULT_PORT, tls: bool = False, ca_file: Optional[str] = None, verify: bool = True,
                 timeout: float = 30.0, long_poll_margin: float = 5.0) -> None:
        self.endpoint: Endpoint = parse_server(server, port, tls)
        self.key = _key(key)
        self.colony = colony
        self.timeout = timeout
        self.long_poll_margin = long_poll_margin
        self._ca_file = ca_file
        self._verify = verify
        context = make_ssl_context(ca_file, verify) if self.endpoint.tls else None
        self._transport = HttpTransport(self.endpoint, context, connect_timeout=min(timeout, 10.0))
        self.last_status = 0
        self._failing_since: Optional[float] = None

    @classmethod
    def from_env(cls, role: str = "user", **overrides: Any) -> "Client":
        """A client configured like the ``colonies`` CLI, from the environment.

        Reads ``COLONIES_SERVER_HOST`` (a host or a URL), ``COLONIES_SERVER_HTTP_PORT``,
        ``COLONIES_TLS``, ``COLONIES_TLS_CA_FILE``, ``COLONIES_COLONY_NAME`` and the key of
        ``role``: ``user`` (``COLONIES_PRVKEY``), ``colony`` (``COLONIES_COLONY_PRVKEY``),
        ``server`` (``COLONIES_SERVER_PRVKEY``) or ``executor`` (``COLONIES_EXECUTOR_PRVKEY``);
        each key also as a 0600 file through the variable with ``_FILE`` appended. Like the CLI,
        the owner roles fall back to ``COLONIES_PRVKEY``. Keyword ``overrides`` win over the
        environment.

        Raises:
            ValueError: a malformed setting, a gRPC transport, or an unknown role.
        """
        key_vars = {"user": "COLONIES_PRVKEY", "colony": "COLONIES_COLONY_PRVKEY",
                    "server": "COLONIES_SERVER_PRVKEY", "executor": "COLONIES_EXECUTOR_PRVKEY"}
        if role not in key_vars:
            raise ValueError(f"unknown role '{role}': use one of {', '.join(key_vars)}")
        if _env("COLONIES_TRANSPORT").lower() == "grpc":
            raise ValueError("COLONIES_TRANSPORT=grpc: the Python SDK speaks HTTP only; unset it or set it to http")
        settings: Dict[str, Any] = {}
        if _env("COLONIES_SERVER_HOST"):
            settings["server"] = _env("COLONIES_SERVER_HOST")
        port = _env("COLONIES_SERVER_HTTP_PORT") or _env("COLONIES_SERVER_PORT")
        if port:
            if not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"COLONIES_SERVER_HTTP_PORT={port} is not a port number")
            settings["port"] = int(port)
        tls = _env("COLONIES_TLS").lower()
        if tls:
            if tls not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
                raise ValueError(f"COLONIES_TLS={tls}: use true or false")
            settings["tls"] = tls in ("1", "true", "yes", "on")
        if _env("COLONIES_TLS_CA_FILE"):
            settings["ca_file"] = _env("COLONIES_TLS_CA_FILE")
        if _env("COLONIES_COLONY_NAME"):
            settings["colony"] = _env("COLONIES_COLONY_NAME")
        # The role's key before the member key, as the CLI resolves them (executors have their own).
        settings["key"] = _env_key(key_vars[role])
        if settings["key"] is None and role in ("colony", "server"):
            settings["key"] = _env_key("COLONIES_PRVKEY")
        settings.update(overrides)
        return cls(**settings)

    def with_key(self, key: KeyLike) -> "Client":
        """Another client for the same server and colony, signing with ``key`` (its own connection)."""
        server = str(self.endpoint)
        return Client(server, key, colony=self.colony, ca_file=self._ca_file, verify=self._verify,
                      timeout=self.timeout, long_poll_margin=self.long_poll_margin)

    @property
    def id(self) -> str:
        """The ID of this client's key ("" without a key)."""
        return self.key.id if self.key else ""

    def close(self) -> None:
        """Closes the connection (the next call opens a new one)."""
        self._transport.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.endpoint}, id={self.id or 'none'}, colony={self.colony!r})"

    # ---- The round trip

    def call(self, msgtype: str, fields: Optional[Mapping[str, Any]] = None, timeout: Optional[float] = None) -> Any:
        """Sends any message, signed, and returns the decoded reply payload.

        Raises:
            ServerError: (a subclass per status) the server's error reply.
            TransportError: the server was not reached or did not answer in time.
            ProtocolError: the reply was not a reply envelope.
        """
        if self.key is None:
            self.last_status = 0
            raise ColoniesError(f"{msgtype} must be signed, but this client has no private key "
                                "(pass key=..., or set COLONIES_PRVKEY / COLONIES_PRVKEY_FILE with Client.from_env())")
        body = envelope.build_request(msgtype, fields or {}, self.key)
        return self._exchange(msgtype, body, self.timeout if timeout is None else timeout)

    def call_unsigned(self, msgtype: str, fields: Optional[Mapping[str, Any]] = None) -> Any:
        """Sends ``versionmsg`` or ``getserverinfomsg`` without a signature."""
        return self._exchange(msgtype, envelope.build_unsigned_request(msgtype, fields), self.timeout)

    def send_raw(self, body: str, timeout: Optional[float] = None) -> Any:
        """Sends an envelope built elsewhere, as is (e.g. to show that a replay is refused)."""
        try:
            msgtype = str(json.loads(body).get("payloadtype") or "request")
        except (ValueError, AttributeError):
            msgtype = "request"
        return self._exchange(msgtype, body, self.timeout if timeout is None else timeout)

    def _exchange(self, msgtype: str, body: str, timeout: float) -> Any:
        self.last_status = 0
        status, data = self._transport.post(body, timeout)
        try:
            reply = envelope.decode_reply(data)
        except envelope.MalformedReply as e:
            if status >= 400:
                # A proxy or a broken server: keep the status, so the caller sees the right error.
                self.last_status = status
                text = snippet(data)
                raise error_for_status(status, f"HTTP {status} from {self.endpoint} without an error reply"
                                       + (f": {text}" if text else ""), msgtype) from None
            raise ProtocolError(f"{msgtype}: the reply from {self.endpoint} is malformed: {e}") from None
        if reply.error:
            self.last_status = reply.status
            raise error_for_status(reply.status, reply.message, msgtype)
        self.last_status = status
        return reply.payload

    def _colony(self, colonyname: Optional[str]) -> str:
        name = colonyname or self.colony
        if not name:
            raise ValueError("no colony: pass colonyname=... or create the client with colony=... "
                             "(or COLONIES_COLONY_NAME with Client.from_env())")
        return name

    @staticmethod
    def _dict(msgtype: str, reply: Any) -> Dict[str, Any]:
        if not isinstance(reply, dict):
            raise ProtocolError(f"{msgtype}: expected a JSON object in the reply, got {type(reply).__name__}")
        return reply

    @staticmethod
    def _list(msgtype: str, reply: Any) -> List[Any]:
        if reply is None:
            return []
        if not isinstance(reply, list):
            raise ProtocolError(f"{msgtype}: expected a JSON array in the reply, got {type(reply).__name__}")
        return reply

    def _one(self, msgtype: str, reply: Any, parse: Callable[[Mapping[str, Any]], T]) -> T:
        return parse(self._dict(msgtype, reply))

    def _many(self, msgtype: str, reply: Any, parse: Callable[[Mapping[str, Any]], T]) -> List[T]:
        items = self._list(msgtype, reply)
        for item in items:
            if not isinstance(item, dict):
                raise ProtocolError(f"{msgtype}: expected JSON objects in the reply array")
        return [parse(o) for o in items]

    # ---- Server

    def version(self) -> Dict[str, Any]:
        """``{"buildversion", "buildtime"}`` of the server (unsigned)."""
        return self._dict("versionmsg", self.call_unsigned("versionmsg"))

    def server_info(self) -> Dict[str, Any]:
        """Version and listening backends of the server (unsigned)."""
        return self._dict("getserverinfomsg", self.call_unsigned("getserverinfomsg"))

    def statistics(self) -> Dict[str, Any]:
        """Whole-server counts (server owner)."""
        return self._dict("getstatisticsmsg", self.call("getstatisticsmsg"))

    # ---- Colonies and users

    def add_colony(self, name: str, colonyid: str) -> Dict[str, Any]:
        """Adds a colony owned by the key whose ID is ``colonyid`` (server owner)."""
        return self._dict("addcolonymsg", self.call("addcolonymsg", {"colony": {"colonyid": colonyid, "name": name}}))

    def get_colony(self, colonyname: Optional[str] = None) -> Dict[str, Any]:
        """The colony ``{"colonyid", "name"}`` (approved member)."""
        return self._dict("getcolonymsg", self.call("getcolonymsg", {"colonyname": self._colony(colonyname)}))

    def colony_statistics(self, colonyname: Optional[str] = None) -> Dict[str, Any]:
        """Process and workflow counts of the colony (approved member)."""
        return self._dict("getcolonystatsmsg", self.call("getcolonystatsmsg", {"colonyname": self._colony(colonyname)}))

    def add_user(self, name: str, userid: str, colonyname: Optional[str] = None, email: str = "",
                 phone: str = "") -> Dict[str, Any]:
        """Adds a user whose key has the ID ``userid`` (colony owner)."""
        user = {"colonyname": self._colony(colonyname), "userid": userid, "name": name, "email": email,
                "phone": phone}
        return self._dict("addusermsg", self.call("addusermsg", {"user": user}))

    def get_users(self, colonyname: Optional[str] = None) -> List[Dict[str, Any]]:
        """The colony's users (member)."""
        return self._list("getusersmsg", self.call("getusersmsg", {"colonyname": self._colony(colonyname)}))

    # ---- Executors

    def add_executor(self, executorid: str, name: str, executortype: str, colonyname: Optional[str] = None,
                     locationname: str = "", capabilities: Optional[Mapping[str, Any]] = None) -> Executor:
        """Registers an executor (colony owner); it starts PENDING and needs ``approve_executor``."""
        executor: Dict[str, Any] = {"executorid": executorid, "executorname": name, "executortype": executortype,
                                    "colonyname": self._colony(colonyname), "locationname": locationname}
        if capabilities is not None:
            executor["capabilities"] = dict(capabilities)
        return self._one("addexecutormsg", self.call("addexecutormsg", {"executor": executor}), Executor.from_json)

    def approve_executor(self, name: str, colonyname: Optional[str] = None) -> Executor:
        """Approves an executor (colony owner)."""
        reply = self.call("approveexecutormsg", {"colonyname": self._colony(colonyname), "executorname": name})
        return self._one("approveexecutormsg", reply, Executor.from_json)

    def reject_executor(self, name: str, colonyname: Optional[str] = None) -> Executor:
        """Rejects an executor (colony owner); its running processes go back to WAITING."""
        reply = self.call("rejectexecutormsg", {"colonyname": self._colony(colonyname), "executorname": name})
        return self._one("rejectexecutormsg", reply, Executor.from_json)

    def remove_executor(self, name: str, colonyname: Optional[str] = None) -> None:
        """Unregisters an executor (colony owner)."""
        self.call("removeexecutormsg", {"colonyname": self._colony(colonyname), "executorname": name})

    def get_executors(self, colonyname: Optional[str] = None) -> List[Executor]:
        """Every executor of the colony, in any state (member, pending executors included)."""
        reply = self.call("getexecutorsmsg", {"colonyname": self._colony(colonyname)})
        return self._many("getexecutorsmsg", reply, Executor.from_json)

    def get_executor(self, name: str, colonyname: Optional[str] = None) -> Executor:
        """One executor by name (approved member)."""
        reply = self.call("getexecutormsg", {"colonyname": self._colony(colonyname), "executorname": name})
        return self._one("getexecutormsg", reply, Executor.from_json)

    def add_function(self, executorname: str, funcname: str, colonyname: Optional[str] = None,
                     description: str = "", args: Sequence[Any] = ()) -> Dict[str, Any]:
        """Registers a function an executor offers (the executor itself), shown by ``colonies function ls``."""
        fun = {"colonyname": self._colony(colonyname), "executorname": executorname, "funcname": funcname,
               "description": description, "args": list(args)}
        return self._dict("addfunctionmsg", self.call("addfunctionmsg", {"fun": fun}))

    def get_functions(self, executorname: str = "", colonyname: Optional[str] = None) -> List[Dict[str, Any]]:
        """Registered functions of one executor, or of the whole colony (approved member)."""
        reply = self.call("getfunctionsmsg", {"colonyname": self._colony(colonyname), "executorname": executorname})
        return self._list("getfunctionsmsg", reply)

    # ---- Processes

    def make_spec(self, funcname: str, args: Sequence[Any] = (), kwargs: Optional[Mapping[str, Any]] = None,
                  **options: Any) -> FunctionSpec:
        """A FunctionSpec from keyword options, each a FunctionSpec or a Conditions field.

        ``c.make_spec("simulate", ["a.dat"], executortype="slurm", cpu="4", mem="16Gi",
        walltime=1800, maxexectime=3600)``. The colony defaults to the client's.
        """
        parts = split_spec_options(options)
        conditions = Conditions(**parts["conditions"])
        if not conditions.colonyname:
            conditions.colonyname = self._colony(None)
        return FunctionSpec(funcname=funcname, args=list(args), kwargs=dict(kwargs or {}), conditions=conditions,
                            **parts["spec"])

    def submit(self, spec: Union[FunctionSpec, Mapping[str, Any]]) -> Process:
        """Submits a function (approved member) and returns the new WAITING process.

        ``spec`` is a ``FunctionSpec`` or its JSON as a dict. An empty
        ``conditions.colonyname`` is filled with the client's colony.
        """
        obj = spec.to_json() if isinstance(spec, FunctionSpec) else dict(spec)
        conditions = dict(obj.get("conditions") or {})
        if not conditions.get("colonyname") and self.colony:
            conditions["colonyname"] = self.colony
        obj["conditions"] = conditions
        return self._one("submitfuncspecmsg", self.call("submitfuncspecmsg", {"spec": obj}), Process.from_json)

    def submit_function(self, funcname: str, args: Sequence[Any] = (), kwargs: Optional[Mapping[str, Any]] = None,
                        **options: Any) -> Process:
        """``submit(make_spec(funcname, args, kwargs, **options))``."""
        return self.submit(self.make_spec(funcname, args, kwargs, **options))

    def get_process(self, process: ProcessRef) -> Process:
        """A process by ID (approved member); WAITING ones say why in ``waitreason``."""
        return self._one("getprocessmsg", self.call("getprocessmsg", {"processid": _id(process, "processid")}),
                         Process.from_json)

    def get_processes(self, state: Optional[int] = None, colonyname: Optional[str] = None, count: int = 100,
                      executortype: str = "", label: str = "", initiator: str = "") -> List[Process]:
        """The colony's newest processes, optionally of one state (approved member; ``count`` <= 100)."""
        fields: Dict[str, Any] = {"colonyname": self._colony(colonyname), "count": count,
                                  "state": -1 if state is None else int(state), "executortype": executortype,
                                  "label": label, "initiator": initiator}
        return self._many("getprocessesmsg", self.call("getprocessesmsg", fields), Process.from_json)

    def cancel_process(self, process: ProcessRef) -> Process:
        """Cancels a WAITING or RUNNING standalone process (approved member)."""
        return self._one("cancelprocessmsg", self.call("cancelprocessmsg", {"processid": _id(process, "processid")}),
                         Process.from_json)

    def remove_process(self, process: ProcessRef) -> None:
        """Deletes a standalone process that is not RUNNING (approved member)."""
        self.call("removeprocessmsg", {"processid": _id(process, "processid")})

    def assign(self, colonyname: Optional[str] = None, timeout: int = 10, availablecpu: str = "",
               availablemem: str = "", availablegpu: int = -1) -> Optional[Process]:
        """Takes the next process for this executor (approved executor), now RUNNING on it.

        Waits up to ``timeout`` seconds (1–3600) for one to arrive; ``timeout=-1`` tries once.
        Returns None when nothing came (the server's 408, or 404 for a try-once); other
        errors raise.
        """
        if timeout == 0 or timeout < -1:
            raise ValueError("timeout must be -1 (try once) or 1..3600 seconds")
        fields = {"colonyname": self._colony(colonyname), "timeout": timeout, "availablecpu": availablecpu,
                  "availablemem": availablemem, "availablegpu": availablegpu}
        wait = self.timeout + (max(timeout, 0) + self.long_poll_margin)
        try:
            reply = self.call("assignprocessmsg", fields, timeout=wait)
        except ColoniesError as e:
            if getattr(e, "status", 0) in (404, 408):
                return None
            raise
        return self._one("assignprocessmsg", reply, Process.from_json)

    def close_successful(self, process: ProcessRef, out: Optional[Sequence[Any]] = None) -> Process:
        """Closes a process RUNNING on this executor as SUCCESS; a non-empty ``out`` becomes its output."""
        fields: Dict[str, Any] = {"processid": _id(process, "processid")}
        if out is not None:
            fields["out"] = list(out)
        return self._one("closesuccessfulmsg", self.call("closesuccessfulmsg", fields), Process.from_json)

    def close_failed(self, process: ProcessRef, errors: Optional[Sequence[str]] = None) -> Process:
        """Closes a process RUNNING on this executor as FAILED, appending ``errors``."""
        fields = {"processid": _id(process, "processid"), "errors": str_list(errors)}
        return self._one("closefailedmsg", self.call("closefailedmsg", fields), Process.from_json)

    def set_output(self, process: ProcessRef, out: Sequence[Any]) -> None:
        """Replaces the output of a process RUNNING on this executor."""
        self.call("setoutputmsg", {"processid": _id(process, "processid"), "out": list(out)})

    def add_attribute(self, process: ProcessRef, key: str, value: str, attributetype: int = 1) -> Dict[str, Any]:
        """Adds an attribute (default type 1 OUT) to a process RUNNING on this executor."""
        attribute = {"targetid": _id(process, "processid"), "key": key, "value": value,
                     "attributetype": attributetype}
        return self._dict("addattributemsg", self.call("addattributemsg", {"attribute": attribute}))

    # ---- Logs

    def add_log(self, process: ProcessRef, message: str) -> None:
        """Appends a log line to a process RUNNING on this executor (at most 1 MiB)."""
        self.call("addlogmsg", {"processid": _id(process, "processid"), "message": message})

    def get_logs(self, process: Optional[ProcessRef] = None, executorname: str = "",
                 colonyname: Optional[str] = None, count: int = 500, since: int = 0,
                 latest: bool = False) -> List[Log]:
        """Logs of a process (or of an executor), oldest first (approved member; ``count`` <= 500).

        ``since`` is Unix nanoseconds: only later lines. With ``latest`` the newest ``count``.
        """
        processid = _id(process, "processid") if process is not None else ""
        colony = colonyname or (process.spec.conditions.colonyname if isinstance(process, Process) else None)
        fields = {"colonyname": self._colony(colony), "processid": processid, "executorname": executorname,
                  "count": count, "since": since, "latest": latest}
        return self._many("getlogsmsg", self.call("getlogsmsg", fields), Log.from_json)

    def logs_text(self, process: ProcessRef) -> str:
        """Every log line of a process joined into one text (pages through more than 500)."""
        lines: List[str] = []
        since = 0
        while True:
            page = self.get_logs(process, count=500, since=since)
            lines.extend(log.message for log in page)
            if len(page) < 500:
                return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
            since = page[-1].timestamp

    # ---- Workflows

    def submit_workflow(self, workflow: Any, colonyname: Optional[str] = None) -> ProcessGraph:
        """Submits a workflow DAG (approved member): a ``Workflow`` builder or a WorkflowSpec dict."""
        spec = workflow.to_json() if hasattr(workflow, "to_json") else dict(workflow)
        if not spec.get("colonyname"):
            spec["colonyname"] = self._colony(colonyname)
        reply = self.call("submitworkflowspecmsg", {"spec": spec})
        return self._one("submitworkflowspecmsg", reply, ProcessGraph.from_json)

    def get_process_graph(self, graph: GraphRef) -> ProcessGraph:
        """A workflow with its live progress (approved member)."""
        reply = self.call("getprocessgraphmsg", {"processgraphid": _id(graph, "processgraphid")})
        return self._one("getprocessgraphmsg", reply, ProcessGraph.from_json)

    def get_process_graphs(self, state: Optional[int] = None, colonyname: Optional[str] = None,
                           count: int = 100) -> List[ProcessGraph]:
        """The colony's newest workflows (approved member; ``count`` <= 100)."""
        fields = {"colonyname": self._colony(colonyname), "count": count, "state": -1 if state is None else int(state)}
        return self._many("getprocessgraphsmsg", self.call("getprocessgraphsmsg", fields), ProcessGraph.from_json)

    def cancel_process_graph(self, graph: GraphRef) -> ProcessGraph:
        """Cancels every WAITING and RUNNING node of a workflow (approved member)."""
        reply = self.call("cancelprocessgraphmsg", {"processgraphid": _id(graph, "processgraphid")})
        return self._one("cancelprocessgraphmsg", reply, ProcessGraph.from_json)

    def remove_process_graph(self, graph: GraphRef) -> None:
        """Deletes a workflow with its processes; none may be RUNNING (approved member)."""
        self.call("removeprocessgraphmsg", {"processgraphid": _id(graph, "processgraphid")})

    def workflow_processes(self, graph: GraphRef) -> Dict[str, Process]:
        """Every node of a workflow as ``{nodename: Process}``, in the order of the spec."""
        g = graph if isinstance(graph, ProcessGraph) and graph.processids else self.get_process_graph(graph)
        nodes: Dict[str, Process] = {}
        for processid in g.processids:
            p = self.get_process(processid)
            nodes[p.spec.nodename or processid] = p
        return nodes

    def workflow_outputs(self, graph: GraphRef) -> Dict[str, List[Any]]:
        """``{nodename: out}`` for every node of a workflow."""
        return {name: p.out for name, p in self.workflow_processes(graph).items()}

    # ---- Waiting

    def _poll(self, get: Callable[[str], T], ref: str, patience: float, line: Optional[ProgressLine],
              start: float) -> Optional[T]:
        """One poll of ``wait``: the object, or None after a pause when the server is briefly
        unavailable and ``patience`` is not used up; other errors raise."""
        try:
            result = get(ref)
            self._failing_since = None
            return result
        except (TransportError, RateLimited, InternalError, Unavailable) as e:
            now = time.monotonic()
            if self._failing_since is None:
                self._failing_since = now
            if now - self._failing_since >= patience:
                self._failing_since = None
                raise
            if line:
                line.update(f"server unavailable ({e}), retrying", now - start)
            time.sleep(min(1.0, max(0.05, patience / 10)))
            return None

    def wait(self, process: ProcessRef, timeout: Optional[float] = None, progress: bool = True,
             raise_on_failure: bool = False, stream: Optional[IO[str]] = None,
             poll_interval: float = 1.0, patience: float = 30.0) -> Process:
        """Polls a process until it ends (SUCCESS, FAILED or CANCELLED) and returns it.

        Args:
            timeout: give up after this many seconds (``WaitTimeout``); None waits as long as it takes.
            progress: show a progress line on ``stream`` (default stderr): redrawn in place on a
                terminal, one plain line per change otherwise.
            raise_on_failure: raise ``ProcessFailed`` (with the process and its errors) unless
                it ended SUCCESS.
            poll_interval: the longest pause between polls (the first ones are quicker).
            patience: how long polls may keep failing because the server is unreachable,
                restarting or overloaded (no connection, 429, 500, 503) before the error is
                raised; a long wait survives a server restart or failover. 0 raises at once.
        """
        processid = _id(process, "processid")
        line = ProgressLine(f"process {processid[:12]}", stream) if progress else None
        start = time.monotonic()
        self._failing_since = None
        interval = min(0.2, poll_interval)
        while True:
            current = self._poll(self.get_process, processid, patience, line, start)
            if current is None:
                if timeout is not None and time.monotonic() - start >= timeout:
                    raise WaitTimeout(f"process {processid}: the server was unavailable until the timeout "
                                      f"({timeout:g} s)")
                continue
            elapsed = time.monotonic() - start
            if current.is_final:
                state = ProcessState(current.state)
                if line:
                    reason = f": {'; '.join(current.errors)}" if current.errors else ""
                    failed = state != ProcessState.SUCCESS
                    line.finish(f"{state.name} after {elapsed:.1f}s" + (reason if failed else ""))
                if raise_on_failure and state != ProcessState.SUCCESS:
                    raise ProcessFailed(f"process {processid} ended {state.name}"
                                        + (f": {'; '.join(current.errors)}" if current.errors else ""), current)
                return current
            if line:
                word = ProcessState(current.state).name.lower()
                line.update(word + (f" ({current.waitreason})" if current.waitreason and not line.tty else ""), elapsed)
            if timeout is not None and elapsed >= timeout:
                if line:
                    line.finish(f"still {ProcessState(current.state).name} after {elapsed:.1f}s, gave up waiting")
                raise WaitTimeout(f"process {processid} is still {ProcessState(current.state).name} after "
                                  f"{timeout:g} s")
            time.sleep(interval if timeout is None else max(0.0, min(interval, timeout - elapsed)))
            interval = min(poll_interval, interval * 1.5)

    def wait_workflow(self, graph: GraphRef, timeout: Optional[float] = None, progress: bool = True,
                      raise_on_failure: bool = False, stream: Optional[IO[str]] = None,
                      poll_interval: float = 1.0, patience: float = 30.0) -> ProcessGraph:
        """Polls a workflow until every node has ended and returns the final graph.

        The progress line shows a bar of nodes done / total. A FAILED graph is returned once no
        node is running any more. Arguments as for ``wait``.
        """
        graphid = _id(graph, "processgraphid")
        line = ProgressLine(f"workflow {graphid[:12]}", stream) if progress else None
        start = time.monotonic()
        self._failing_since = None
        interval = min(0.2, poll_interval)
        while True:
            current = self._poll(self.get_process_graph, graphid, patience, line, start)
            if current is None:
                if timeout is not None and time.monotonic() - start >= timeout:
                    raise WaitTimeout(f"workflow {graphid}: the server was unavailable until the timeout "
                                      f"({timeout:g} s)")
                continue
            elapsed = time.monotonic() - start
            p = current.progress
            if current.is_final:
                state = ProcessState(current.state)
                if line:
                    line.finish(f"{state.name}, {p.successful}/{p.total} nodes succeeded"
                                + (f", {p.failed} failed" if p.failed else "")
                                + (f", {p.cancelled} cancelled" if p.cancelled else "") + f" after {elapsed:.1f}s")
                if raise_on_failure and state != ProcessState.SUCCESS:
                    raise ProcessFailed(f"workflow {graphid} ended {state.name} ({p.failed} failed, "
                                        f"{p.cancelled} cancelled of {p.total} nodes)", current)
                return current
            if line:
                line.update(ProcessState(current.state).name.lower(), elapsed, p.done, p.total)
            if timeout is not None and elapsed >= timeout:
                if line:
                    line.finish(f"{p.done}/{p.total} nodes done after {elapsed:.1f}s, gave up waiting")
                raise WaitTimeout(f"workflow {graphid} has {p.done}/{p.total} nodes done after {timeout:g} s")
            time.sleep(interval if timeout is None else max(0.0, min(interval, timeout - elapsed)))
            interval = min(poll_interval, interval * 1.5)


def result_of(process: Process) -> List[Any]:
    """The output of a finished process, or ``ProcessFailed`` if it did not succeed."""
    if ProcessState(process.state) != ProcessState.SUCCESS:
        raise ProcessFailed(f"process {process.processid} is {ProcessState(process.state).name}"
                            + (f": {'; '.join(process.errors)}" if process.errors else ""), process)
    return as_list(process.out)


__all__ = ["Client", "WaitTimeout", "result_of"]
