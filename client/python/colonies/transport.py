"""HTTP(S) transport: one kept-alive connection that POSTs envelopes to ``/api``.

Standard library only (``http.client`` and ``ssl``). TLS verifies the certificate chain and the
host name by default, like the C++ SDK (docs/security.md, "How clients verify the server").
Not thread-safe: use one ``HttpTransport`` (one ``Client``) per thread.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import urllib.parse
from dataclasses import dataclass
from typing import Optional, Tuple

from .errors import TransportError

DEFAULT_PORT = 50080
_SNIPPET = 200


@dataclass(frozen=True)
class Endpoint:
    """Where a server is: host, port and whether to speak TLS."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    tls: bool = False

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


def parse_server(server: str, default_port: int = DEFAULT_PORT, tls: Optional[bool] = None) -> Endpoint:
    """Parses ``host``, ``host:port``, ``http://host:port`` or ``https://host:port``.

    A bare host uses TLS when ``tls`` is true; a URL's scheme decides by itself. gRPC URLs are
    refused: this SDK speaks HTTP only.

    Raises:
        ValueError: an unknown scheme, a gRPC URL, a bad port or an empty host.
    """
    text = server.strip()
    if not text:
        raise ValueError("the server address is empty")
    if "://" not in text:
        text = ("https://" if tls else "http://") + text
    url = urllib.parse.urlsplit(text)
    scheme = url.scheme.lower()
    if scheme in ("grpc", "grpcs"):
        raise ValueError(f"{server}: the Python SDK speaks HTTP(S) only; use the server's HTTP port "
                         "(http://host:50080 or https://host:50080)")
    if scheme not in ("http", "https"):
        raise ValueError(f"{server}: unknown scheme '{url.scheme}' (use http:// or https://)")
    if url.path not in ("", "/") or url.query or url.fragment:
        raise ValueError(f"{server}: give the server as scheme://host:port, without a path")
    try:
        port = url.port
    except ValueError:
        raise ValueError(f"{server}: the port must be a number from 1 to 65535") from None
    if not url.hostname:
        raise ValueError(f"{server}: no host name")
    return Endpoint(url.hostname, port if port else default_port, scheme == "https")


def make_ssl_context(ca_file: Optional[str] = None, verify: bool = True) -> ssl.SSLContext:
    """A client TLS context: TLS 1.2 or newer, the system's trusted CAs plus ``ca_file``.

    With ``verify=False`` neither the chain nor the host name is checked: the connection stays
    encrypted, but anyone on the path can impersonate the server. Use it for test servers only.
    """
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as e:
            raise ValueError(f"cannot load the CA file {ca_file}: {e}") from None
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class HttpTransport:
    """POSTs request envelopes to ``/api`` over one kept-alive HTTP/1.1 connection."""

    def __init__(self, endpoint: Endpoint, ssl_context: Optional[ssl.SSLContext] = None,
                 connect_timeout: float = 10.0) -> None:
        self.endpoint = endpoint
        self._ssl = ssl_context if ssl_context is not None else (make_ssl_context() if endpoint.tls else None)
        self._connect_timeout = connect_timeout
        self._conn: Optional[http.client.HTTPConnection] = None
        self._used = False  # whether the open connection already carried a request

    def close(self) -> None:
        """Closes the connection; the next call opens a new one."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._used = False

    def _connect(self) -> http.client.HTTPConnection:
        if self._conn is None:
            if self.endpoint.tls:
                self._conn = http.client.HTTPSConnection(self.endpoint.host, self.endpoint.port,
                                                         timeout=self._connect_timeout, context=self._ssl)
            else:
                self._conn = http.client.HTTPConnection(self.endpoint.host, self.endpoint.port,
                                                        timeout=self._connect_timeout)
            self._used = False
        return self._conn

    def _exchange(self, body: bytes, timeout: float) -> Tuple[int, bytes]:
        conn = self._connect()
        if conn.sock is None:
            conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(timeout)
        conn.request("POST", "/api", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        data = response.read()
        self._used = True
        if response.will_close:
            self.close()
        return response.status, data

    def post(self, body: str, timeout: float) -> Tuple[int, bytes]:
        """Sends one envelope and returns (HTTP status, reply body), whatever the status.

        A kept-alive connection the server closed while idle is opened again and the *same*
        envelope sent once more. That is safe: if the first copy did reach the server, the copy
        is refused as a replay (401) rather than run twice.

        Raises:
            TransportError: no connection, a TLS refusal, or no reply within ``timeout`` seconds.
        """
        data = body.encode("utf-8")
        for attempt in (1, 2):
            reused = self._used
            try:
                return self._exchange(data, timeout)
            except ssl.SSLCertVerificationError as e:
                self.close()
                raise TransportError(self._tls_refusal(e)) from None
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.close()
                if reused and attempt == 1:
                    continue  # the idle connection was closed by the server: once more on a new one
                raise TransportError(f"connection to {self.endpoint} lost: {e}") from None
            except socket.timeout:
                self.close()
                raise TransportError(f"no reply from {self.endpoint} within {timeout:g} s") from None
            except ssl.SSLError as e:
                self.close()
                raise TransportError(f"TLS with {self.endpoint} failed: {e.reason or e}") from None
            except (OSError, http.client.HTTPException) as e:
                self.close()
                raise TransportError(f"cannot reach {self.endpoint}: {e}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _tls_refusal(self, e: ssl.SSLCertVerificationError) -> str:
        reason = e.verify_message or str(e)
        text = (f"TLS handshake with {self.endpoint.host}:{self.endpoint.port} failed: "
                f"certificate verify failed ({reason})")
        if "hostname" in reason.lower() or "ip address mismatch" in reason.lower():
            return text + f": the server's certificate is not issued for '{self.endpoint.host}'"
        return text + (": the server's certificate is not signed by a CA this client trusts; give its CA "
                       "certificate (PEM) with ca_file=... or COLONIES_TLS_CA_FILE")


def snippet(body: bytes) -> str:
    """The start of a body, for error messages about replies that are not envelopes."""
    return body[:_SNIPPET].decode("utf-8", errors="replace")
