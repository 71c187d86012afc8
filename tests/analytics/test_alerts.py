"""Alerts end to end on a small real store: dedupe, evidence, topics, ack, CLI JSON shape."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tests.analytics.conftest import add_items, add_topic, weekly_items
from voc.analytics.alerts import ack_alert, list_alerts
from voc.analytics.trends import refresh_alerts
from voc.cli import app
from voc.config import get_settings
from voc.store.db import open_engine

BASE = dict.fromkeys(range(30, 40), 12)


def _incident_store(engine) -> None:  # type: ignore[no-untyped-def]
    add_items(engine, weekly_items(BASE | {40: 12}, app_version="8.1.0", sentiment="neutral"))
    add_items(
        engine,
        weekly_items(
            {40: 40, 41: 30},
            app_version="8.2.0",
            sentiment="negative",
            text="新版转账失败，联系我13812345678",
        ),
    )
    add_items(engine, weekly_items(dict.fromkeys(range(30, 43), 10), touchpoint="login_auth"))


def test_alerts_dedupe_evidence_and_ack(engine) -> None:  # type: ignore[no-untyped-def]
    _incident_store(engine)
    alerts = refresh_alerts(engine)
    spikes = [a for a in alerts if a["kind"] == "volume_spike" and a["touchpoint"]]
    assert len(spikes) == 1  # W40 and W41 are one episode
    spike = spikes[0]
    assert spike["touchpoint"] == "app_transfer"
    assert (spike["period"], spike["last_period"], spike["n_periods"]) == (
        "2026-W40",
        "2026-W41",
        2,
    )
    assert spike["current"] == 52 and spike["baseline"] == 12
    assert spike["over_represented"]["value"] == "8.2.0"
    assert len(spike["examples"]) == 1  # identical texts are quoted once
    assert "13812345678" not in json.dumps(spike, ensure_ascii=False)
    assert not [a for a in alerts if a["touchpoint"] == "login_auth"]
    assert ack_alert(engine, spike["id"], note="张先生 13812345678 已处理")
    again = {a["id"]: a for a in refresh_alerts(engine)}
    assert again[spike["id"]]["status"] == "acked"
    assert "13812345678" not in again[spike["id"]]["ack_note"]
    assert not ack_alert(engine, 999_999)
    assert list_alerts(engine, since_week="2026-W42") == []
    assert list_alerts(engine, status="acked")[0]["id"] == spike["id"]


def test_alerts_new_topic_carries_label_and_keywords(engine) -> None:  # type: ignore[no-untyped-def]
    add_topic(engine, 0, "分期手续费不透明", ["分期", "手续费", "费率"])  # id 0 is a real id
    add_items(engine, weekly_items(BASE, touchpoint="card_instalment", sentiment="neutral"))
    add_items(
        engine,
        weekly_items(
            {38: 9, 39: 11}, touchpoint="card_instalment", topic_id=0, sentiment="negative"
        ),
    )
    alerts = [a for a in refresh_alerts(engine) if a["kind"] == "new_topic"]
    assert len(alerts) == 1
    assert alerts[0]["topic_id"] == 0 and alerts[0]["topic_label"] == "分期手续费不透明"
    assert alerts[0]["keywords"] == ["分期", "手续费", "费率"]
    assert alerts[0]["period"] == "2026-W38" and alerts[0]["n_periods"] == 1  # new once


def test_cli_alerts_json_last_line(voc_env) -> None:  # type: ignore[no-untyped-def]
    engine = open_engine(get_settings())
    _incident_store(engine)
    engine.dispose()
    result = CliRunner().invoke(app, ["alerts", "--json", "--since", "2026-10-01"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output.strip().splitlines()[-1])
    assert isinstance(found, list) and found
    keys = {"kind", "severity", "period", "touchpoint", "topic_id", "topic_label", "baseline"}
    for item in found:
        assert keys | {"current"} <= set(item)
    assert {a["touchpoint"] for a in found} == {"app_transfer", None}  # None: whole bank
    bad = CliRunner().invoke(app, ["alerts", "--since", "yesterday"])
    assert bad.exit_code == 2 and "ISO week" in bad.output


def test_cli_scores_json(voc_env) -> None:  # type: ignore[no-untyped-def]
    engine = open_engine(get_settings())
    _incident_store(engine)
    engine.dispose()
    result = CliRunner().invoke(app, ["scores", "--json", "--period", "2026-W41"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output.strip().splitlines()[-1])
    first = rows[0]
    assert first["touchpoint"] == "*" and first["volume"] == 40
    assert set(first["nps"]) == {"value", "low", "high", "n", "small"}
    text = CliRunner().invoke(app, ["scores", "--period", "2026-W41"])
    assert "app_transfer" in text.output


def test_alerts_escalation_risk_quotes_the_items_with_cues(engine) -> None:  # type: ignore[no-untyped-def]
    add_items(engine, weekly_items(dict.fromkeys(range(30, 42), 10), sentiment="neutral"))
    add_items(
        engine,
        weekly_items({41: 3}, sentiment="negative", text="再不解决我就打12378投诉，还要找媒体曝光"),
    )
    add_items(engine, weekly_items({38: 1}, sentiment="negative", text="我要找律师起诉你们"))
    alerts = [a for a in refresh_alerts(engine) if a["kind"] == "escalation_risk"]
    assert [a["period"] for a in alerts] == ["2026-W41"]  # W38 is outside the recent window
    assert alerts[0]["current"] == 3
    assert "12378" in alerts[0]["keywords"]
    assert all("12378" in e["text"] for e in alerts[0]["examples"])
