"""The platform adapter: enforcement goes out as webhooks signed with HMAC-SHA256, retried with
back-off from the outbox, and each carries a delivery id so the platform acts once.

Signature: ``X-Tarazu-Signature: sha256=<hex HMAC(secret, timestamp + "." + delivery + "." +
body)>`` with ``X-Tarazu-Timestamp`` (Unix seconds) and ``X-Tarazu-Delivery`` (the idempotency
key). The delivery id is signed too: a captured message replayed under a fresh delivery id must
not pass as a new one (the platform acts once per id)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import httpx

from tarazu.service.ports import DeliveryError

SIGNATURE_HEADER = "X-Tarazu-Signature"
TIMESTAMP_HEADER = "X-Tarazu-Timestamp"
DELIVERY_HEADER = "X-Tarazu-Delivery"
MAX_SKEW_SECONDS = 300


def sign(secret: bytes, timestamp: str, delivery: str, body: bytes) -> str:
    signed = timestamp.encode() + b"." + delivery.encode() + b"." + body
    return "sha256=" + hmac.new(secret, signed, hashlib.sha256).hexdigest()


def verify_signature(secret: bytes, timestamp: str, delivery: str, body: bytes, signature: str,
                     now: float | None = None) -> bool:
    """Constant-time check over timestamp, delivery id and body, refusing timestamps outside
    the freshness window (a replay later than that fails here; one within it repeats a
    delivery id the platform has already acted on)."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs((now or time.time()) - ts) > MAX_SKEW_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, timestamp, delivery, body), signature)


class WebhookPlatformAdapter:
    """Posts enforcement messages to ``{base_url}/api/enforcement`` (one platform)."""

    def __init__(self, base_url: str, secret: bytes, timeout: float = 5.0,
                 client: httpx.Client | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.client = client or httpx.Client(timeout=timeout)

    def send(self, destination: str, idempotency_key: str, payload: dict) -> None:
        body = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(self.secret, ts, idempotency_key, body),
            TIMESTAMP_HEADER: ts,
            DELIVERY_HEADER: idempotency_key,
        }
        try:
            r = self.client.post(f"{self.base_url}/api/enforcement", content=body,
                                 headers=headers)
        except httpx.HTTPError as e:
            raise DeliveryError(f"{destination}: {e.__class__.__name__}: {e}") from e
        if r.status_code >= 300:
            raise DeliveryError(f"{destination}: HTTP {r.status_code}: {r.text[:300]}")
