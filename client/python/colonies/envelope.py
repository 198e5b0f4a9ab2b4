"""The wire envelope: building signed requests and decoding replies (docs/protocol.md §3–§5).

Pure functions, no I/O: the nonce and the timestamp are arguments, so a request can be rebuilt
byte for byte (the unit tests check the worked example of protocol.md §10 this way).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from dataclasses import dataclass
from typing import Any, Dict, Mapping, Optional

from .keys import PrivateKey

# The two messages the server accepts unsigned (docs/protocol.md §3, "Unsigned messages").
UNSIGNED_MESSAGES = frozenset({"versionmsg", "getserverinfomsg"})


def encode_json(value: Any) -> str:
    """Compact JSON, as the C++ SDK writes it (Boost.JSON ``serialize``): no spaces, UTF-8 text.

    Raises:
        ValueError: ``value`` holds NaN or an infinity, which JSON cannot carry.
        TypeError: ``value`` holds something that is not JSON (a set, an object, bytes, ...).
    """
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def new_nonce() -> str:
    """A fresh nonce: 16 random bytes as 32 lowercase hex characters."""
    return os.urandom(16).hex()


def build_payload(msgtype: str, fields: Mapping[str, Any], nonce: str, timestamp: int) -> str:
    """The base64 payload string of a signed request.

    The message's own fields come first, then ``msgtype``, ``nonce`` and ``timestamp``, in the
    order the C++ SDK adds them; the server does not care about the order (it checks the
    signature over the base64 text as sent), but the same order gives the same bytes.
    """
    if not isinstance(timestamp, int) or isinstance(timestamp, bool):
        raise TypeError("timestamp must be an int (Unix seconds)")
    payload: Dict[str, Any] = dict(fields)
    payload["msgtype"] = msgtype
    payload["nonce"] = nonce
    payload["timestamp"] = timestamp
    return base64.b64encode(encode_json(payload).encode("utf-8")).decode("ascii")


def build_request(msgtype: str, fields: Mapping[str, Any], key: PrivateKey, nonce: Optional[str] = None,
                  timestamp: Optional[int] = None) -> str:
    """The JSON body of ``POST /api`` for a signed request.

    ``nonce`` and ``timestamp`` default to a fresh nonce and the current Unix time; pass them
    only to reproduce a known request.
    """
    payload = build_payload(msgtype, fields, nonce if nonce is not None else new_nonce(),
                            timestamp if timestamp is not None else int(time.time()))
    return encode_json({"payloadtype": msgtype, "payload": payload,
                        "signature": key.sign(payload.encode("ascii")), "signer": key.id})


def build_unsigned_request(msgtype: str, fields: Optional[Mapping[str, Any]] = None) -> str:
    """The body of an unsigned request; only ``versionmsg`` and ``getserverinfomsg`` may be sent so."""
    if msgtype not in UNSIGNED_MESSAGES:
        raise ValueError(f"{msgtype} must be signed; only {', '.join(sorted(UNSIGNED_MESSAGES))} may be unsigned")
    payload: Dict[str, Any] = dict(fields or {})
    payload["msgtype"] = msgtype
    encoded = base64.b64encode(encode_json(payload).encode("utf-8")).decode("ascii")
    return encode_json({"payloadtype": msgtype, "payload": encoded, "signature": "", "signer": ""})


@dataclass(frozen=True)
class Reply:
    """A decoded reply envelope.

    On success ``error`` is False and ``payload`` is the decoded reply JSON. On failure
    ``payloadtype`` is ``"error"``, ``error`` is True, and ``status`` / ``message`` are taken
    from the payload ``{"status": N, "message": "..."}``.
    """

    payloadtype: str
    payload: Any
    error: bool
    status: int = 200
    message: str = ""


class MalformedReply(ValueError):
    """A reply body that is not a reply envelope (e.g. from a proxy in front of the server)."""


def decode_reply(body: bytes) -> Reply:
    """Decodes a reply body (docs/protocol.md §5).

    Raises:
        MalformedReply: the body is not JSON, lacks ``payloadtype``/``payload``, or the payload
            is not standard base64 of JSON.
    """
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise MalformedReply(f"reply is not JSON: {e}") from None
    if not isinstance(envelope, dict):
        raise MalformedReply("reply is not a JSON object")
    payloadtype = envelope.get("payloadtype")
    encoded = envelope.get("payload")
    if not isinstance(payloadtype, str) or not isinstance(encoded, str):
        raise MalformedReply("reply lacks a string 'payloadtype' or 'payload'")
    try:
        raw = base64.b64decode(encoded, validate=True)
        payload = json.loads(raw.decode("utf-8")) if raw else None
    except (binascii.Error, ValueError, UnicodeDecodeError) as e:
        raise MalformedReply(f"reply payload is not base64 of JSON: {e}") from None
    error = envelope.get("error") is True or payloadtype == "error"
    if not error:
        return Reply(payloadtype, payload, False)
    # The failure payload is {status, message}; without a usable status it is still an error.
    status, message = 500, "the server reported an error without a message"
    if isinstance(payload, dict):
        if isinstance(payload.get("status"), int) and not isinstance(payload.get("status"), bool):
            status = payload["status"]
        if isinstance(payload.get("message"), str):
            message = payload["message"]
    return Reply(payloadtype, payload, True, status, message)
