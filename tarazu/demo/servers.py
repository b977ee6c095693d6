"""Serving an ASGI app from a background thread (the demo platform next to tarazu in
``tarazu demo``, and both apps in the browser tests)."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        return s.connect_ex((host, port)) == 0


class ServerThread:
    """uvicorn in a daemon thread; :meth:`start` returns once it accepts connections."""

    def __init__(self, app, host: str = "127.0.0.1", port: int | None = None,  # type: ignore[no-untyped-def]
                 log_level: str = "warning") -> None:
        self.host = host
        self.port = port or free_port(host)
        self.server = uvicorn.Server(uvicorn.Config(app, host=host, port=self.port,
                                                    log_level=log_level, lifespan="on",
                                                    proxy_headers=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True,
                                       name=f"uvicorn-{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 20.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on {self.url} did not start")
            time.sleep(0.02)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)
