"""Writing an executor in a few lines.

    ex = Executor(Client("127.0.0.1:50080", executor_key, colony="lab"), name="py-1", executortype="python")

    @ex.function("echo")
    def echo(*args):
        return list(args)           # becomes the process's output

    ex.register(colony_owner_key)   # add + approve, if you hold the colony key; else the owner does
    ex.run()                        # long-poll, run, close; Ctrl-C stops

A handler gets the spec's ``args`` and ``kwargs``; one that declares a parameter ``ctx`` also gets
a ``Context`` (the process, its workflow input, ``ctx.log(...)``). A return value becomes the
output (None: none, a list or tuple: its items, anything else: one item); an exception closes the
process as FAILED with the exception as its error. This runs handlers one at a time in the calling
thread: it is for Python functions, not a replacement for the C++ executors' runtime (capacity,
spooling across outages, cancellation of running jobs).
"""

from __future__ import annotations

import inspect
import logging
import threading
import traceback
from typing import Any, Callable, Dict, List, Optional, TypeVar, Union

from .client import Client
from .errors import ColoniesError, Conflict, Forbidden, ServerError, TransportError, Unauthenticated
from .keys import PrivateKey
from .models import Executor as ExecutorInfo
from .models import ExecutorState, Process, as_list

log = logging.getLogger("colonies.executor")

Handler = Callable[..., Any]
F = TypeVar("F", bound=Handler)

# Statuses after which the same call may succeed later: nothing is wrong with the request.
_TRANSIENT = (429, 500, 503)


class Context:
    """What a handler that asks for ``ctx`` gets about the process it runs."""

    def __init__(self, executor: "Executor", process: Process) -> None:
        self.executor = executor
        self.process = process

    @property
    def processid(self) -> str:
        """The process's ID."""
        return self.process.processid

    @property
    def input(self) -> List[Any]:
        """A workflow node's input: its parents' outputs concatenated in ``after=[...]`` order."""
        return self.process.input

    @property
    def args(self) -> List[Any]:
        """The spec's ``args``."""
        return self.process.spec.args

    @property
    def kwargs(self) -> Dict[str, Any]:
        """The spec's ``kwargs``."""
        return self.process.spec.kwargs

    def log(self, message: str) -> None:
        """Appends a line to the process's log (``client.get_logs(process)``, ``colonies log get``)."""
        self.executor.client.add_log(self.process, message if message.endswith("\n") else message + "\n")

    def set_output(self, out: List[Any]) -> None:
        """Stores output now (replaced by a non-empty return value at the close)."""
        self.executor.client.set_output(self.process, out)


class Executor:
    """A Python executor: register functions with ``@executor.function(...)``, then ``run()``.

    Args:
        client: a ``Client`` signing with the executor's own key (its colony is the executor's).
        name: the executor's name, unique in the colony.
        executortype: the type processes ask for in ``conditions.executortype``.
        poll_timeout: seconds each long-poll waits for work (1–3600); also bounds how long
            ``stop()`` takes.
        locationname: the executor's location, for processes that target one.
    """

    def __init__(self, client: Client, name: str, executortype: str, *, poll_timeout: int = 10,
                 locationname: str = "") -> None:
        if client.key is None:
            raise ValueError("an executor's client needs the executor's private key")
        if not client.colony:
            raise ValueError("an executor's client needs its colony: Client(..., colony='name')")
        if not 1 <= poll_timeout <= 3600:
            raise ValueError("poll_timeout must be 1..3600 seconds")
        self.client = client
        self.name = name
        self.executortype = executortype
        self.locationname = locationname
        self.poll_timeout = poll_timeout
        self.handlers: Dict[str, Handler] = {}
        self.descriptions: Dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def colony(self) -> str:
        """The executor's colony."""
        return self.client.colony or ""

    @property
    def id(self) -> str:
        """The executor's ID."""
        return self.client.id

    # ---- Functions

    def function(self, funcname: Union[str, Handler, None] = None, description: str = "") -> Any:
        """Decorator registering a handler for ``funcname`` (default: the Python function's name).

        ``@ex.function("echo")``, ``@ex.function()`` and ``@ex.function`` all work.
        """
        if callable(funcname):
            return self._add(funcname.__name__, funcname, description)
        if funcname is not None and not isinstance(funcname, str):
            raise TypeError(f"a function name is a str, not {type(funcname).__name__}")
        name = funcname

        def decorate(fn: F) -> F:
            self._add(name or fn.__name__, fn, description)
            return fn

        return decorate

    def _add(self, funcname: str, fn: Handler, description: str) -> Handler:
        if funcname in self.handlers:
            raise ValueError(f"executor '{self.name}' already has a function '{funcname}'")
        self.handlers[funcname] = fn
        self.descriptions[funcname] = description or (inspect.getdoc(fn) or "").split("\n")[0]
        return fn

    # ---- Registration

    def register(self, colony_key: Union[PrivateKey, str, None] = None) -> ExecutorInfo:
        """Adds this executor to its colony and approves it, signed with the colony owner's key.

        Registering again with the same name and key (a restart) is fine. Without ``colony_key``
        the colony owner must have added and approved the executor already
        (``colonies executor add`` / ``approve``); then this only checks that.
        Also publishes the handlers to the function registry (``colonies function ls``).

        Raises:
            Conflict: the name belongs to another key in the colony.
            Forbidden: ``colony_key`` is not the colony's owner, or (without it) this executor is
                not registered and approved.
        """
        if colony_key is not None:
            owner = self.client.with_key(colony_key)
            try:
                self._add_and_approve(owner)
            finally:
                owner.close()
        try:
            info = self.client.get_executor(self.name)
        except Forbidden as e:
            raise Forbidden(e.status, f"executor '{self.name}' (ID {self.id}) is not an approved executor of colony "
                            f"'{self.colony}' ({e.message}); pass the colony owner's key to register(), or ask the "
                            f"owner to run `colonies executor approve --name {self.name}`", e.msgtype) from None
        if info.executorid != self.id:
            raise Conflict(409, f"executor name '{self.name}' in colony '{self.colony}' belongs to another key "
                           f"(executor ID {info.executorid}); choose another name", "getexecutormsg")
        for funcname in self.handlers:
            try:
                self.client.add_function(self.name, funcname, description=self.descriptions.get(funcname, ""))
            except Conflict:
                pass  # registered by an earlier run of this executor
        return info

    def _add_and_approve(self, owner: Client) -> None:
        try:
            owner.add_executor(self.id, self.name, self.executortype, locationname=self.locationname)
            log.info("registered executor '%s' (type '%s') in colony '%s'", self.name, self.executortype, self.colony)
        except Conflict:
            # A restart registers again: the same name with the same key is fine.
            # The executor's own key can list the colony's executors once it is registered
            # (approved or not); if it cannot, the name belongs to another key.
            try:
                listed = [e for e in self.client.get_executors() if e.state != ExecutorState.UNREGISTERED]
            except Forbidden:
                listed = []
            existing = [e for e in listed if e.executorname == self.name]
            mine = [e for e in listed if e.executorid == self.id and e.executorname != self.name]
            if not existing and mine:
                raise Conflict(409, f"this executor's private key is already registered in colony '{self.colony}' "
                               f"as executor '{mine[0].executorname}'; use that name or generate a new key for "
                               f"'{self.name}'", "addexecutormsg") from None
            if not existing or existing[0].executorid != self.id:
                other = existing[0].executorid if existing else "unknown"
                raise Conflict(409, f"executor name '{self.name}' in colony '{self.colony}' is already registered with "
                               f"another key (executor ID {other}); use that key or another name",
                               "addexecutormsg") from None
        except Forbidden as e:
            raise Forbidden(e.status, f"the colony key is not the owner of colony '{self.colony}' ({e.message})",
                            e.msgtype) from None
        owner.approve_executor(self.name)

    # ---- Running

    def execute(self, process: Process) -> Process:
        """Runs the handler of an assigned process and closes it; returns the closed process.

        A close the server refuses because the process ended meanwhile (cancelled, or timed out
        and given to another executor: 409 / 403) is logged and the server's current view
        returned.
        """
        handler = self.handlers.get(process.spec.funcname)
        try:
            if handler is None:
                offered = ", ".join(sorted(self.handlers)) or "none"
                return self.client.close_failed(process, [f"executor '{self.name}' has no function "
                                                          f"'{process.spec.funcname}' (it offers: {offered})"])
            try:
                result = self._call(handler, process)
            except KeyboardInterrupt:
                # Ctrl-C while a handler runs: say so on the process instead of leaving it RUNNING
                # until its maxexectime, then stop.
                self.client.close_failed(process, [f"executor '{self.name}' was interrupted while running it"])
                raise
            except Exception as e:  # noqa: BLE001 - any handler failure fails the process, with its reason
                log.info("process %s (%s) failed: %s", process.processid, process.spec.funcname, e)
                self._log_quietly(process, "".join(traceback.format_exception(type(e), e, e.__traceback__)))
                return self.client.close_failed(process, [f"{type(e).__name__}: {e}"])
            try:
                return self.client.close_successful(process, as_list(result))
            except (TypeError, ValueError) as e:  # the output is not JSON
                return self.client.close_failed(process, [f"the output of '{process.spec.funcname}' cannot be sent "
                                                          f"as JSON: {e}"])
        except (Conflict, Forbidden) as e:
            log.warning("could not close process %s: %s", process.processid, e)
            return self.client.get_process(process)

    def _call(self, handler: Handler, process: Process) -> Any:
        args, kwargs = list(process.spec.args), dict(process.spec.kwargs)
        try:
            wants_ctx = "ctx" in inspect.signature(handler).parameters
        except (TypeError, ValueError):
            wants_ctx = False
        if wants_ctx:
            kwargs["ctx"] = Context(self, process)
        return handler(*args, **kwargs)

    def _log_quietly(self, process: Process, text: str) -> None:
        try:
            self.client.add_log(process, text)
        except ColoniesError as e:
            log.warning("could not add the traceback to the log of %s: %s", process.processid, e)

    def run_once(self, timeout: Optional[int] = None) -> Optional[Process]:
        """Waits up to ``timeout`` seconds (default ``poll_timeout``) for one process, runs it and
        returns it closed; None when none came."""
        process = self.client.assign(timeout=timeout or self.poll_timeout)
        if process is None:
            return None
        log.info("assigned process %s (%s)", process.processid, process.spec.funcname)
        return self.execute(process)

    def run(self, max_processes: Optional[int] = None) -> int:
        """Serves processes until ``stop()``, Ctrl-C, or ``max_processes`` have run; returns how many ran.

        An unreachable, paused or rate-limiting server is retried with a growing pause (up to
        10 s). A refusal that waiting does not cure (401, 403: not approved) raises.
        """
        self._stop.clear()
        done = 0
        delay = 0.5
        try:
            while not self._stop.is_set() and (max_processes is None or done < max_processes):
                try:
                    closed = self.run_once()
                    delay = 0.5
                except (TransportError, ServerError) as e:
                    if isinstance(e, ServerError) and e.status not in _TRANSIENT:
                        if isinstance(e, (Forbidden, Unauthenticated)):
                            raise type(e)(e.status, f"{e.message}; is executor '{self.name}' added and approved in "
                                          f"colony '{self.colony}'? call register(colony_key) or ask the owner to "
                                          f"run `colonies executor approve --name {self.name}`", e.msgtype) from None
                        raise
                    log.warning("server %s: %s; retrying in %.1f s", self.client.endpoint, e, delay)
                    self._stop.wait(delay)
                    delay = min(10.0, delay * 2)
                    continue
                if closed is not None:
                    done += 1
        except KeyboardInterrupt:
            log.info("interrupted; executor '%s' stops", self.name)
        return done

    def start(self, max_processes: Optional[int] = None) -> threading.Thread:
        """Runs ``run()`` in a background thread (e.g. inside a notebook); ``stop()`` ends it.

        The executor's client must not be used by other threads meanwhile.
        """
        if self._thread is not None and self._thread.is_alive():
            raise RuntimeError(f"executor '{self.name}' is already running")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run_logged, args=(max_processes,),
                                        name=f"colonies-executor-{self.name}", daemon=True)
        self._thread.start()
        return self._thread

    def _run_logged(self, max_processes: Optional[int]) -> None:
        try:
            self.run(max_processes)
        except Exception:  # noqa: BLE001 - a background thread has nobody else to tell
            log.exception("executor '%s' stopped", self.name)

    def stop(self, wait: bool = True) -> None:
        """Asks ``run()`` to stop after the current long-poll (at most ``poll_timeout`` seconds) or process."""
        self._stop.set()
        if wait and self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
            self._thread = None
