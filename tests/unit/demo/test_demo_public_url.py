"""Links in notices point where the review UI really serves, not at a fixed port."""

from __future__ import annotations

import pytest

from tarazu.bootstrap import demo_settings, read_settings


def test_demo_notices_link_to_the_port_it_serves_on(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TARAZU_PUBLIC_URL", raising=False)
    assert demo_settings(tmp_path, 9101, 9100).public_url == "http://127.0.0.1:9100"
    monkeypatch.setenv("TARAZU_PUBLIC_URL", "https://appeals.example.org/")
    assert demo_settings(tmp_path, 9101, 9100).public_url == "https://appeals.example.org"


def test_a_server_address_is_a_default_the_environment_overrides(tmp_path,
                                                                 monkeypatch: pytest.MonkeyPatch):
    """``tarazu serve`` hands its address to the composition root instead of writing it into
    the process environment."""
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path))
    monkeypatch.delenv("TARAZU_PUBLIC_URL", raising=False)
    served = read_settings(TARAZU_PUBLIC_URL="http://0.0.0.0:9200")
    assert served.public_url == "http://0.0.0.0:9200"
    monkeypatch.setenv("TARAZU_PUBLIC_URL", "https://appeals.example.org/")
    assert read_settings(TARAZU_PUBLIC_URL="http://0.0.0.0:9200").public_url == \
        "https://appeals.example.org"
