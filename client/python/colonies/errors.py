"""Exceptions of the Colonies SDK.

Every failure the server answers carries its HTTP status and its message (docs/protocol.md §5):
``ServerError`` and one subclass per status, so callers can ``except NotFound`` or branch on
``err.status``. ``TransportError`` (status 0) is a failure to reach the server at all.
"""

from __future__ import annotations

from typing import Dict, Optional, Type


class ColoniesError(Exception):
    """Base class of every error this SDK raises on purpose."""


class TransportError(ColoniesError):
    """The server was not reached or did not answer: connection refused, TLS refused, timeout.

    ``status`` is 0, as ``last_reply_status()`` is 0 in the C++ SDK for a transport failure.
    """

    status = 0

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ServerError(ColoniesError):
    """The server answered with an error reply.

    Attributes:
        status: the HTTP status (400, 401, 403, 404, 408, 409, 413, 429, 500, 503, ...).
        message: the server's human-readable reason. Branch on ``status`` (or the subclass),
            never on the text.
        msgtype: the message type of the request that failed.
    """

    status_code: int = 0  # the status a subclass stands for; 0 for the generic class

    def __init__(self, status: int, message: str, msgtype: str = "") -> None:
        prefix = f"{msgtype}: " if msgtype else ""
        super().__init__(f"{prefix}{message} (HTTP {status})")
        self.status = status
        self.message = message
        self.msgtype = msgtype


class BadRequest(ServerError):
    """400: malformed or invalid input."""

    status_code = 400


class Unauthenticated(ServerError):
    """401: bad signature, replayed nonce, timestamp outside the replay window."""

    status_code = 401


class Forbidden(ServerError):
    """403: authenticated, but the signer does not have the role the message needs."""

    status_code = 403


class NotFound(ServerError):
    """404: no such object (also: a try-once assign found no process)."""

    status_code = 404


class Timeout(ServerError):
    """408: a long-poll ended without a result."""

    status_code = 408


class Conflict(ServerError):
    """409: state conflict, e.g. a duplicate name or closing a finished process."""

    status_code = 409


class PayloadTooLarge(ServerError):
    """413: the request body is over the server's limit."""

    status_code = 413


class RateLimited(ServerError):
    """429: over the signer's request rate; nothing changed, call again later (signed anew)."""

    status_code = 429


class InternalError(ServerError):
    """500: an internal fault of the server."""

    status_code = 500


class Unavailable(ServerError):
    """503: paused colony (try-once assign), shutting down, or the store cannot be written."""

    status_code = 503


_BY_STATUS: Dict[int, Type[ServerError]] = {
    cls.status_code: cls
    for cls in (BadRequest, Unauthenticated, Forbidden, NotFound, Timeout, Conflict, PayloadTooLarge,
                RateLimited, InternalError, Unavailable)
}


def error_for_status(status: int, message: str, msgtype: str = "") -> ServerError:
    """Builds the exception for an error reply: the subclass for ``status``, else ``ServerError``."""
    cls = _BY_STATUS.get(status, ServerError)
    return cls(status, message, msgtype)


class ProcessFailed(ColoniesError):
    """``wait()`` was asked to raise, and the process (or workflow) ended FAILED or CANCELLED.

    ``process`` holds the final object (a ``Process`` or a ``ProcessGraph``); for a process its
    ``errors`` list says why.
    """

    def __init__(self, message: str, process: Optional[object] = None) -> None:
        super().__init__(message)
        self.process = process


class ProtocolError(ColoniesError):
    """The server answered 200 with something that is not a valid reply for the message."""
