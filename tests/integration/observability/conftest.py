"""Fixtures shared with the broker and web tests: the stream fault tests' scenario, and the
web app with a user of every role."""

from tests.integration.broker.test_stream_faults import scenario  # noqa: F401
from tests.integration.web.conftest import client, web  # noqa: F401
