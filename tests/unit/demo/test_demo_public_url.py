"""Links in notices point where the review UI really serves, not at a fixed port."""

from __future__ import annotations

import pytest

from tarazu.entrypoints.cli.demo import demo_settings


def test_demo_notices_link_to_the_port_it_serves_on(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("TARAZU_PUBLIC_URL", raising=False)
    assert demo_settings(tmp_path, 9101, 9100).public_url == "http://127.0.0.1:9100"
    monkeypatch.setenv("TARAZU_PUBLIC_URL", "https://appeals.example.org/")
    assert demo_settings(tmp_path, 9101, 9100).public_url == "https://appeals.example.org"
