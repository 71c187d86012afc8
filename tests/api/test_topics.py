"""Topics over HTTP: list (paginated) and detail with weekly rows, mix, masked examples, history."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.analytics.conftest import add_topic
from tests.api.conftest import Live, serve
from tests.api.helpers import assert_error
from tests.api.test_scores import TOPIC, build_store


@pytest.fixture(scope="module")
def topic_live(tmp_path_factory: pytest.TempPathFactory, components) -> Iterator[Live]:
    with serve(tmp_path_factory.mktemp("api-topics"), components) as server:
        build_store(server.engine)
        add_topic(server.engine, 9, "分期手续费", ["分期", "手续费"])
        yield server


def test_topics_list_is_paginated(topic_live) -> None:
    with topic_live.client("viewer") as client:
        first = client.get("/v1/topics", params={"limit": 1}).json()
        second = client.get("/v1/topics", params={"limit": 1, "offset": 1}).json()
        retired = client.get("/v1/topics", params={"status": "retired"}).json()
    assert first["total"] == 2 and first["limit"] == 1 and len(first["items"]) == 1
    assert {first["items"][0]["id"], second["items"][0]["id"]} == {TOPIC, 9}
    topic = next(t for t in (first["items"] + second["items"]) if t["id"] == TOPIC)
    assert topic["keywords"] == ["闪退", "8.2.0", "转账"] and topic["status"] == "active"
    assert retired == {"items": [], "total": 0, "limit": 50, "offset": 0}


def test_topics_detail(topic_live) -> None:
    with topic_live.client("viewer") as client:
        response = client.get(f"/v1/topics/{TOPIC}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["label"] == "转账闪退_8.2.0"
    assert [w["week"] for w in body["weekly"]] == ["2026-W40", "2026-W41"]
    assert body["weekly"][0]["count"] == 48
    assert body["touchpoint_mix"] == {"app_transfer": 47, "none": 3}
    assert len(body["examples"]) == 5
    assert all("8.2.0" in e["text"] for e in body["examples"])
    assert "13812345678" not in response.text
    assert body["history"][0]["event"] == "new" and body["history"][0]["detail"] == {"size": 48}


def test_topics_unknown_and_bad_ids(topic_live) -> None:
    with topic_live.client("viewer") as client:
        assert_error(client.get("/v1/topics/424242"), 404, "not_found")
        assert_error(client.get("/v1/topics/abc"), 422, "validation_error")
        assert_error(client.get(f"/v1/topics/{2**70}"), 422, "validation_error")
        assert_error(client.get("/v1/topics", params={"limit": 500}), 422, "validation_error")
