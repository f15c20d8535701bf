"""One TLS context for every outgoing httpx client. Building one loads the CA bundle (50–80 ms here), and
each client would otherwise build its own at start-up. httpx's own builder, so SSL_CERT_FILE and
SSL_CERT_DIR are honoured as before; an SSLContext is meant to be shared."""

from __future__ import annotations

import functools
import ssl

import httpx


@functools.cache
def client_tls() -> ssl.SSLContext:
    return httpx.create_ssl_context()
