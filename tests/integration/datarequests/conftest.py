"""The web fixtures (users of every role over the real app) for the data-request UI tests."""

from tests.integration.web.conftest import web  # noqa: F401
