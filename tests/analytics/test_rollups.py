"""Rollups: local-calendar periods, exact metrics, incremental update equals full recompute."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from tests.analytics.conftest import Item, add_items, monday
from voc.analytics.rollups import update_rollups
from voc.analytics.scores import scorecard
from voc.store.analytics_tables import analytics_rollups


def _table(engine) -> dict:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        rows = connection.execute(select(analytics_rollups)).fetchall()
    out = {}
    for row in rows:
        m = dict(row._mapping)
        m.pop("updated_at")
        out[(m["granularity"], m["period"], m["touchpoint"], m["dim"], m["value"])] = m
    return out


def _mixed(week: int, at: datetime) -> list[Item]:
    base = monday(week)
    items = [
        Item(base, "app_transfer", "negative", csat=2, nps=3, customer="c1", channel="app"),
        Item(base + timedelta(days=1), "login_auth", "positive", csat=5, nps=10, customer="c2"),
        Item(
            base + timedelta(days=2),
            "app_transfer",
            "negative",
            source="complaint",
            customer="c1",
            opened=base + timedelta(days=2),
            responded=base + timedelta(days=2, minutes=30),
            closed=base + timedelta(days=3, hours=1),
        ),
        Item(base, "app_transfer", "neutral", source="app_review", app_version="8.2.0", topic_id=4),
    ]
    for item in items:
        item.analysed_at = at
    return items


def test_rollups_incremental_equals_full(engine) -> None:  # type: ignore[no-untyped-def]
    t0 = datetime(2026, 11, 1)
    add_items(engine, _mixed(38, t0) + _mixed(41, t0))
    first = update_rollups(engine)
    assert first.full
    t1 = datetime(2026, 11, 2)
    add_items(engine, _mixed(41, t1)[:2] + _mixed(43, t1))  # touches W41 and W43 (and Oct)
    second = update_rollups(engine)
    assert not second.full
    assert set(second.periods) == {"2026-W41", "2026-W43", "2026-10"}
    incremental = _table(engine)
    update_rollups(engine, full=True)
    assert incremental == _table(engine)
    assert update_rollups(engine).periods == []  # nothing new: nothing recomputed


def test_rollups_use_local_weeks(engine) -> None:  # type: ignore[no-untyped-def]
    # Monday 2026-10-05 03:00 in Shanghai is Sunday 19:00 UTC: it belongs to W41, not W40.
    add_items(engine, [Item(datetime(2026, 10, 5, 3, 0))])
    update_rollups(engine)
    periods = {row.period for row in scorecard(engine) if row.touchpoint == "*"}
    assert periods == {"2026-W41"}


def test_scorecard_metrics(engine) -> None:  # type: ignore[no-untyped-def]
    add_items(engine, _mixed(41, datetime(2026, 11, 1)))
    update_rollups(engine)
    rows = {r.touchpoint: r for r in scorecard(engine, periods=["2026-W41"])}
    total, transfer = rows["*"], rows["app_transfer"]
    assert total.volume == 4 and transfer.volume == 3
    assert total.csat_top2.value == 0.5 and total.csat_top2.n == 2 and total.csat_top2.small
    assert total.csat_mean.value == 3.5
    assert total.nps.value == 0.0  # one promoter, one detractor
    assert transfer.nps.value == -100.0
    assert transfer.negative_share.value == round(2 / 3, 4)
    assert transfer.complaints == 1
    assert transfer.complaint_rate.value == 0.5  # c1 complained; c1 and c2 seen
    assert transfer.response_median_s == 1800.0
    assert transfer.response_within_1h.value == 1.0
    assert transfer.close_within_24h.value == 0.0  # closed after 24 h
    by_channel = scorecard(engine, periods=["2026-W41"], dim="channel", value="app")
    assert {r.touchpoint for r in by_channel} == {"*", "app_transfer"}
    month = scorecard(engine, granularity="month", periods=["2026-10"])
    assert month[0].touchpoint == "*" and month[0].volume == 4
