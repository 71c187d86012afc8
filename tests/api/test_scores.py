"""The scorecard and trends over HTTP, on a small analysed store built per the table contracts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, insert

from tests.analytics.conftest import Item, add_items, add_topic, monday, weekly_items
from tests.api.conftest import Live, serve
from tests.api.helpers import assert_error
from voc.store.topic_tables import topic_history, topic_weekly

NOW = datetime(2026, 11, 20)
TOPIC = 5


def build_store(engine: Engine) -> None:
    """Ten quiet weeks of app_transfer, a ×4 negative spike on 8.2.0 in W40, card items on two
    channels with CSAT/NPS, and topic 5 with its weekly rows and a refit history row."""
    add_items(
        engine, weekly_items(dict.fromkeys(range(30, 40), 12), csat=4, nps=9, app_version="8.1.0")
    )
    add_items(
        engine,
        weekly_items(
            {40: 48},
            app_version="8.2.0",
            sentiment="negative",
            csat=1,
            nps=2,
            text="升级8.2.0后转账闪退，电话13812345678",
            topic_id=TOPIC,
        ),
    )
    cards = [
        Item(when=monday(39), touchpoint="card_instalment", channel=ch, csat=c, sentiment=s)
        for ch, c, s in [("手机银行", 2, "negative"), ("网点", 5, "positive")] * 3
    ]
    add_items(engine, cards)
    add_topic(engine, TOPIC, "转账闪退_8.2.0", ["闪退", "8.2.0", "转账"])
    with engine.begin() as connection:
        connection.execute(
            insert(topic_weekly),
            [
                {
                    "topic_id": TOPIC,
                    "week": "2026-W40",
                    "count": 48,
                    "negative_share": 1.0,
                    "touchpoint_mix": {"app_transfer": 45, "none": 3},
                },
                {
                    "topic_id": TOPIC,
                    "week": "2026-W41",
                    "count": 2,
                    "negative_share": 0.5,
                    "touchpoint_mix": {"app_transfer": 2},
                },
            ],
        )
        connection.execute(
            insert(topic_history),
            [
                {
                    "at": NOW,
                    "model_version": "test",
                    "event": "new",
                    "topic_id": TOPIC,
                    "related_ids": [],
                    "detail": {"size": 48},
                }
            ],
        )


@pytest.fixture(scope="module")
def store_live(tmp_path_factory: pytest.TempPathFactory, components) -> Iterator[Live]:
    with serve(tmp_path_factory.mktemp("api-scores"), components) as server:
        build_store(server.engine)
        yield server


def test_scores_latest_week_with_intervals(store_live) -> None:
    with store_live.client("viewer") as client:
        body = client.get("/v1/touchpoints/scores").json()
    assert body["from_period"] == body["to_period"] == "2026-W40"
    rows = {r["touchpoint"]: r for r in body["items"]}
    app = rows["app_transfer"]
    assert app["name"] == "转账汇款" and app["volume"] == 48
    assert app["negative_share"]["value"] == 1.0 and app["negative_share"]["n"] == 48
    low, high = app["negative_share"]["low"], app["negative_share"]["high"]
    assert 0.9 < low < 1.0 and high == 1.0
    assert app["csat_top2"]["value"] == 0.0 and app["csat_top2"]["small"] is False
    assert app["nps"]["value"] == -100.0 and app["nps"]["n"] == 48
    assert rows["*"]["volume"] == 48


def test_scores_range_channel_and_small_cells(store_live) -> None:
    with store_live.client("viewer") as client:
        weeks = client.get(
            "/v1/touchpoints/scores", params={"from": "2026-W38", "to": "2026-09-30"}
        ).json()
        mobile = client.get(
            "/v1/touchpoints/scores",
            params={"from": "2026-W39", "to": "2026-W39", "channel": "手机银行"},
        ).json()
        months = client.get(
            "/v1/touchpoints/scores",
            params={"granularity": "month", "from": "2026-09", "to": "2026-10"},
        ).json()
    assert {r["period"] for r in weeks["items"]} == {"2026-W38", "2026-W39", "2026-W40"}
    assert (mobile["dim"], mobile["value"]) == ("channel", "手机银行")
    card = next(r for r in mobile["items"] if r["touchpoint"] == "card_instalment")
    assert card["volume"] == 3 and card["csat_top2"]["value"] == 0.0
    assert card["csat_top2"]["small"] is True and card["csat_top2"]["n"] == 3  # flagged, shown
    assert {r["period"] for r in months["items"]} == {"2026-09", "2026-10"}


def test_scores_errors(store_live) -> None:
    with store_live.client("viewer") as client:
        both = client.get("/v1/touchpoints/scores", params={"channel": "a", "product": "b"})
        bad_gran = client.get("/v1/touchpoints/scores", params={"granularity": "day"})
        bad_from = client.get("/v1/touchpoints/scores", params={"from": "2026-W99"})
        reversed_ = client.get(
            "/v1/touchpoints/scores", params={"from": "2026-W41", "to": "2026-W30"}
        )
    for response in (both, bad_gran, bad_from, reversed_):
        assert_error(response, 422, "validation_error")


def test_trends_touchpoint_and_topic_series(store_live) -> None:
    with store_live.client("viewer") as client:
        tp = client.get(
            "/v1/trends",
            params={"touchpoint": "app_transfer", "from": "2026-W38", "to": "2026-W41"},
        ).json()
        topic = client.get("/v1/trends", params={"topic": TOPIC}).json()
        month = client.get(
            "/v1/trends", params={"touchpoint": "card_instalment", "granularity": "month"}
        ).json()
        card = client.get(
            "/v1/trends", params={"touchpoint": "card_instalment", "from": "2000-01-03"}
        ).json()
    # W41 is after the last stored week: the series covers the stored span only
    assert [p["period"] for p in tp["items"]] == ["2026-W38", "2026-W39", "2026-W40"]
    assert [p["volume"] for p in tp["items"]] == [12, 12, 48]
    assert tp["name"] == "转账汇款"
    w39 = tp["items"][1]
    assert w39["csat_top2"]["value"] == 1.0 and w39["nps"]["value"] == 100.0
    assert w39["nps"]["low"] < 100.0 and w39["negative_share"]["value"] == 0.0
    assert [p["period"] for p in card["items"]][:2] == ["2026-W30", "2026-W31"]
    assert [p["volume"] for p in card["items"]] == [0] * 9 + [6, 0]  # zero-filled weeks
    assert card["items"][0]["negative_share"] == {
        "value": None,
        "low": None,
        "high": None,
        "n": 0,
        "small": True,
    }
    assert topic["name"] == "转账闪退_8.2.0"
    assert {p["period"]: p["volume"] for p in topic["items"]}["2026-W40"] == 48
    assert [p["period"] for p in month["items"]] == ["2026-07", "2026-08", "2026-09", "2026-10"]
    assert sum(p["volume"] for p in month["items"]) == 6


def test_trends_errors(store_live) -> None:
    with store_live.client("viewer") as client:
        neither = client.get("/v1/trends")
        both = client.get("/v1/trends", params={"topic": TOPIC, "touchpoint": "app_transfer"})
        topic = client.get("/v1/trends", params={"topic": 999})
        touchpoint = client.get("/v1/trends", params={"touchpoint": "no_such"})
        bad_to = client.get("/v1/trends", params={"topic": TOPIC, "to": "2026-13"})
    assert_error(neither, 422, "validation_error")
    assert_error(both, 422, "validation_error")
    assert_error(topic, 404, "not_found")
    assert_error(touchpoint, 404, "not_found")
    assert_error(bad_to, 422, "validation_error")


def test_scores_pick_up_new_items_in_the_background(store_live, monkeypatch) -> None:
    """After the first request the rollups are refreshed off the request path (kept last:
    it adds a later week to this module's store)."""
    from voc.api.routes import analytics_common

    monkeypatch.setattr(analytics_common, "ROLLUP_CHECK_S", 0.0)
    later = datetime(2026, 11, 21)  # ingested after the watermark the rollups stored
    add_items(store_live.engine, weekly_items({45: 7}, touchpoint="hotline_ivr", analysed_at=later))
    params = {"from": "2026-W45", "to": "2026-W45"}
    deadline = time.monotonic() + 20
    with store_live.client("viewer") as client:
        while True:
            items = client.get("/v1/touchpoints/scores", params=params).json()["items"]
            if items or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    hotline = next(r for r in items if r["touchpoint"] == "hotline_ivr")
    assert hotline["volume"] == 7 and hotline["name"] == "客服热线与语音导航"
