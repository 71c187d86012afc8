"""Alerts over HTTP: recomputed list with evidence, filters, ack by a handler (audited, kept)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.api.conftest import Live, serve
from tests.api.helpers import assert_error
from tests.api.test_scores import build_store
from voc.store.analytics_tables import analytics_alerts
from voc.store.api_tables import audit_log

FIELDS = {"kind", "severity", "period", "touchpoint", "topic_id", "topic_label", "baseline"}


@pytest.fixture(scope="module")
def alert_live(tmp_path_factory: pytest.TempPathFactory, components) -> Iterator[Live]:
    with serve(tmp_path_factory.mktemp("api-alerts"), components) as server:
        build_store(server.engine)
        yield server


def _spike(items: list[dict]) -> dict:
    return next(a for a in items if a["kind"] == "volume_spike" and a["touchpoint"])


def test_alerts_list_with_evidence_and_filters(alert_live) -> None:
    with alert_live.client("viewer") as client:
        response = client.get("/v1/alerts")
        since = client.get("/v1/alerts", params={"since": "2026-10-12"}).json()
        high = client.get("/v1/alerts", params={"severity": "high"}).json()
        paged = client.get("/v1/alerts", params={"limit": 1}).json()
    assert response.status_code == 200, response.text
    body = response.json()
    spike = _spike(body["items"])
    assert FIELDS | {"current", "evidence"} <= set(spike)
    assert (spike["touchpoint"], spike["period"], spike["status"]) == (
        "app_transfer",
        "2026-W40",
        "open",
    )
    assert spike["touchpoint_name"] == "转账汇款"
    assert spike["baseline"] == 12 and spike["current"] == 48
    assert spike["evidence"]["over_represented"]["value"] == "8.2.0"
    assert spike["evidence"]["examples"] and "13812345678" not in response.text
    assert since["total"] == 0  # every episode ended in W40 (before W42)
    assert all(a["severity"] == "high" for a in high["items"]) and high["total"] >= 1
    assert paged["total"] == body["total"] and len(paged["items"]) == 1


def test_alerts_ack_is_audited_and_kept(alert_live) -> None:
    with alert_live.client("viewer") as viewer, alert_live.client("handler") as handler:
        spike = _spike(viewer.get("/v1/alerts").json()["items"])
        refused = viewer.post(f"/v1/alerts/{spike['id']}/ack", json={})
        acked = handler.post(
            f"/v1/alerts/{spike['id']}/ack", json={"note": "已联系张三 13812345678，8.2.1修复"}
        )
        bare = handler.post(f"/v1/alerts/{spike['id']}/ack")
        listed = viewer.get("/v1/alerts", params={"status": "acked"}).json()
        still_open = viewer.get("/v1/alerts", params={"status": "open"}).json()
    assert_error(refused, 403, "forbidden")
    assert acked.status_code == 200, acked.text
    assert acked.json()["status"] == "acked" and acked.json()["acked_at"]
    assert "13812345678" not in acked.text and "[手机号]" in acked.json()["ack_note"]
    assert bare.status_code == 200  # the note is optional
    assert [a["id"] for a in listed["items"]] == [spike["id"]]
    assert spike["id"] not in [a["id"] for a in still_open["items"]]
    with alert_live.engine.connect() as connection:
        stored = connection.execute(
            select(analytics_alerts.c.status).where(analytics_alerts.c.id == spike["id"])
        ).scalar()
        audit = connection.execute(
            select(audit_log).where(audit_log.c.action == "alert.ack")
        ).fetchall()
    assert stored == "acked"
    assert audit[0].target_id == str(spike["id"]) and audit[0].actor_role == "handler"
    assert audit[0].detail["kind"] == "volume_spike" and "13812345678" not in str(audit[0].detail)


def test_alerts_errors(alert_live) -> None:
    with alert_live.client("handler") as client:
        assert_error(client.post("/v1/alerts/987654/ack", json={}), 404, "not_found")
        assert_error(client.post("/v1/alerts/x/ack", json={}), 422, "validation_error")
        assert_error(client.post("/v1/alerts/1/ack", json={"colour": 1}), 422, "validation_error")
        assert_error(client.get("/v1/alerts", params={"status": "done"}), 422, "validation_error")
        assert_error(
            client.get("/v1/alerts", params={"since": "2026-W99"}), 422, "validation_error"
        )
        assert_error(client.get("/v1/alerts", params={"since": "soon"}), 422, "validation_error")
    with alert_live.client("ingest") as client:
        assert_error(client.get("/v1/alerts"), 403, "forbidden")
