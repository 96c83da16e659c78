"""Serve a sandbox WSGI app on loopback, optionally over HTTPS with a throwaway certificate.

Why stdlib `wsgiref` + `socketserver.ThreadingMixIn` rather than a server library: the emulators
only ever serve one local client (a test, the demo, a user's CI) and need no production
features; the stdlib keeps the sandbox dependency-free and starts in milliseconds. Threads let
the Nue adapter's concurrent writes overlap the emulator's injected latency, as on a real API.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

WsgiApp = Callable[..., Any]


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    """No per-request access log on stderr: the sandbox counts requests instead."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: ARG002 - stdlib signature
        return


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 / localhost, valid for one sandbox run."""

    cert_file: Path
    key_file: Path


def make_certificate(directory: Path) -> Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nuesync sandbox")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_file = directory / "sandbox-cert.pem"
    key_file = directory / "sandbox-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return Certificate(cert_file=cert_file, key_file=key_file)


@dataclass
class RunningServer:
    """A server running in a background thread; `url` has no trailing slash."""

    url: str
    port: int
    ca_file: Path | None
    _server: WSGIServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def start_server(
    app: WsgiApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    certificate: Certificate | None = None,
) -> RunningServer:
    """Start `app` on host:port (0 = a free port) in a daemon thread; HTTPS when given a certificate."""
    server = make_server(host, port, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler)
    scheme = "http"
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate.cert_file, certificate.key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    actual_port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name=f"sandbox-{actual_port}", daemon=True)
    thread.start()
    return RunningServer(
        url=f"{scheme}://{host}:{actual_port}",
        port=actual_port,
        ca_file=certificate.cert_file if certificate else None,
        _server=server,
        _thread=thread,
    )


@contextmanager
def serving(app: WsgiApp, *, tls: bool = False, port: int = 0) -> Iterator[RunningServer]:
    """Serve `app` for the duration of a `with` block (tests, the demo)."""
    with tempfile.TemporaryDirectory(prefix="nuesync-sandbox-") as tmp:
        certificate = make_certificate(Path(tmp)) if tls else None
        running = start_server(app, port=port, certificate=certificate)
        try:
            yield running
        finally:
            running.stop()
