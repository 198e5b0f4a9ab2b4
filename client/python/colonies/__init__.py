"""Colonies Python SDK: submit functions and workflows to a coloniesd, wait for them, read their
outputs and logs, and write executors in Python.

Quick start::

    from colonies import Client, PrivateKey
    c = Client("127.0.0.1:50080", PrivateKey.from_file("user.key"), colony="lab")
    p = c.submit_function("echo", ["hello"], executortype="python")
    print(c.wait(p).out)

Everything speaks the signed HTTP protocol of docs/protocol.md (``POST /api``); see
client/python/README.md and docs/python.md.
"""

from .client import Client, WaitTimeout, result_of
from .envelope import build_request, build_unsigned_request, decode_reply
from .errors import (BadRequest, ColoniesError, Conflict, Forbidden, InternalError, NotFound, PayloadTooLarge,
                     ProcessFailed, ProtocolError, RateLimited, ServerError, Timeout, TransportError,
                     Unauthenticated, Unavailable)
from .executor import Context, Executor
from .keys import PrivateKey, id_of, verify
from .models import (Conditions, ExecutorState, FunctionSpec, Log, Process, ProcessGraph, ProcessState, Progress)
from .workflow import Node, Workflow

__version__ = "0.1.0"

__all__ = [
    "BadRequest", "Client", "ColoniesError", "Conditions", "Conflict", "Context", "Executor", "ExecutorState",
    "Forbidden", "FunctionSpec", "InternalError", "Log", "Node", "NotFound", "PayloadTooLarge", "PrivateKey",
    "Process", "ProcessFailed", "ProcessGraph", "ProcessState", "Progress", "ProtocolError", "RateLimited",
    "ServerError", "Timeout", "TransportError", "Unauthenticated", "Unavailable", "WaitTimeout", "Workflow",
    "build_request", "build_unsigned_request", "decode_reply", "id_of", "result_of", "verify", "__version__",
]
