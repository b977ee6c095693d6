"""What stands between the network and the routes: a cap on the request body, JSON that is
too deep or not UTF-8 refused before any parser recurses through it, and the client's address
(``X-Forwarded-For`` believed only from a configured proxy).

The body guard is plain ASGI: it counts bytes as they arrive, so a lying or missing
``Content-Length`` cannot get a larger body past it, and hands the routes the body it read."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The largest integer a query or body may carry: the databases' integers are 64-bit.
MAX_INT = 2**63 - 1
#: The last page of a listing anyone may ask for (page x page size must stay a 64-bit offset).
MAX_PAGE = 1_000_000
#: Deeper JSON than this is refused (no message of any tarazu API nests beyond a few levels).
MAX_JSON_DEPTH = 32
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Uploads are binary by nature; every other API body is checked, whatever type it declares
#: (routes parse JSON without looking at the declared type).
_UPLOADS = ("multipart/form-data",)


class BodyRefused(ValueError):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def json_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest


def check_api_body(body: bytes, max_depth: int = MAX_JSON_DEPTH) -> None:
    """An API body must be UTF-8 and, if it is JSON, no deeper than ``max_depth``. Bodies that
    are not JSON at all are left to the route (it names what it expected)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BodyRefused(400, f"the body is not UTF-8 text (byte {e.start})") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise BodyRefused(400, f"the JSON body nests deeper than {max_depth} levels") from None
    except ValueError:
        return
    if json_depth(value) > max_depth:
        raise BodyRefused(400, f"the JSON body nests deeper than {max_depth} levels")


async def json_object(request: Request) -> dict[str, Any]:
    """The body of an API request as a JSON object. Anything else is refused here, with one
    400 and one message for every route (raised: the app answers an API client in JSON)."""
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise HTTPException(400, "the body must be a JSON object")
    return body


class BodyGuard:
    """Refuses bodies over ``max_bytes`` (413) and, on ``/api/`` routes, bodies that are not
    UTF-8 or nest too deep (400), with a JSON ``detail``."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            declared = 0
        try:
            if declared > self.max_bytes:
                raise BodyRefused(413, f"the body is larger than {self.max_bytes} bytes")
            body = await self._read(receive)
            ctype = headers.get(b"content-type", b"").decode("latin-1").lower()
            if scope["path"].startswith("/api/") and not ctype.startswith(_UPLOADS) and body:
                check_api_body(body)
        except BodyRefused as e:
            await _refuse(send, e.status, str(e))
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise BodyRefused(413, f"the body is larger than {self.max_bytes} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)


async def _refuse(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})


def _networks(proxies: Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(p, strict=False) for p in proxies]


def _is_trusted(host: str, networks: list) -> bool:  # type: ignore[type-arg]
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in n for n in networks)


def client_address(request: Request) -> str:
    """The client's address. ``X-Forwarded-For`` counts only when the peer is a trusted proxy
    (``TARAZU_TRUSTED_PROXIES``); then the right-most address not itself a trusted proxy is
    the client (what is left of it the client could have written itself)."""
    peer = request.client.host if request.client else "unknown"
    proxies = request.app.state.container.settings.trusted_proxies
    if not proxies:
        return peer
    networks = _networks(proxies)
    if not _is_trusted(peer, networks):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")
            if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop
    return hops[0] if hops else peer
