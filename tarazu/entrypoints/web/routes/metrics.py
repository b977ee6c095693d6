"""``/metrics``: Prometheus metrics of this process (webhook deliveries, hash matches, …) and
the queue depths read from the database. Not public: a scraper authenticates with the bearer
token of a user with the ``monitor`` role (``tarazu users add prometheus --roles monitor``,
then ``tarazu users token prometheus``), as any machine calling the API does. Queue depths
and counts of flags say how busy the moderation team is, which is not for everyone."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from tarazu.adapters import metrics
from tarazu.domain.roles import METRICS_READERS
from tarazu.entrypoints.web.security import get_container, require

router = APIRouter()


@router.get("/metrics", include_in_schema=False,
            dependencies=[require(*METRICS_READERS)])
def metrics_page(request: Request) -> Response:
    return Response(metrics.exposition(get_container(request).uow),
                    media_type=metrics.CONTENT_TYPE)
