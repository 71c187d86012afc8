"""Analytics speed: rollup build/update and scorecard reads on a synthetic analysed store.

Usage: python bench/analytics.py [--rows 200000] [--new 10000] [--weeks 52] [--reads 200]

Builds a SQLite store through the real migrations with `rows` feedback items (analyses, one or
two clauses each, a topic for 60%, surveys with CSAT/NPS, complaint tickets) spread over
`weeks` ISO weeks, then measures: full rollup build, an incremental update after `new`
items land in the last two weeks, a no-op update, scorecard reads (p50/p99 over `reads`
queries for random weeks/slices), and alert detection over every touchpoint and topic.
Prints one JSON line with the figures. The new items more than double every cell's volume
in the last two weeks, so most `alert_episodes` are real alerts on that surge, not false
alarms (on the uniform store before the surge, 20k rows: 3 episodes over 52 weeks × 81 series).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from voc.analytics.periods import week_key
from voc.analytics.rollups import update_rollups
from voc.analytics.scores import scorecard
from voc.analytics.settings import AnalyticsSettings
from voc.analytics.trends import detect_all
from voc.store.db import make_engine, migrate
from voc.store.tables import analyses, clauses, feedback
from voc.store.topic_tables import feedback_topics

TOUCHPOINTS = [f"tp_{i:02d}" for i in range(20)]
CHANNELS = ["app_popup", "branch_pad", "sms_survey", "wechat", "hotline", "app"]
SOURCES = ["survey", "app_review", "call_transcript", "complaint"]
SENTIMENTS = ["negative", "neutral", "positive"]


def populate(engine, rows: int, start: datetime, weeks: int, seed: int, prefix: str) -> None:  # type: ignore[no-untyped-def]
    """Insert `rows` analysed items created uniformly over `weeks` weeks from `start`."""
    rng = random.Random(seed)
    span = weeks * 7 * 86400
    now = datetime(2030, 1, 1) if prefix == "n" else datetime(2029, 1, 1)
    blob = bytes(16)
    for lo in range(0, rows, 20000):
        f_rows, a_rows, c_rows, t_rows = [], [], [], []
        for k in range(lo, min(rows, lo + 20000)):
            fid = f"{prefix}{k:010d}"
            created = start + timedelta(seconds=rng.randrange(span))
            source = rng.choice(SOURCES)
            tp = rng.choice(TOUCHPOINTS)
            sentiment = rng.choice(SENTIMENTS)
            opened = created if source == "complaint" else None
            f_rows.append(
                {
                    "id": fid,
                    "source": source,
                    "channel": rng.choice(CHANNELS),
                    "created_at": created,
                    "text": "转账一直转圈",
                    "customer_key": f"c{rng.randrange(rows // 3 + 1)}",
                    "csat": rng.randint(1, 5) if source == "survey" else None,
                    "nps": rng.randint(0, 10) if source == "survey" else None,
                    "app_version": rng.choice(["8.1.0", "8.2.0"])
                    if source == "app_review"
                    else None,
                    "ticket_opened_at": opened,
                    "ticket_first_response_at": opened + timedelta(minutes=rng.randint(5, 300))
                    if opened
                    else None,
                    "ticket_closed_at": opened + timedelta(hours=rng.randint(1, 72))
                    if opened
                    else None,
                    "ingested_at": now,
                }
            )
            a_rows.append(
                {
                    "feedback_id": fid,
                    "version": "bench",
                    "sentiment": sentiment,
                    "p_negative": 0.6 if sentiment == "negative" else 0.2,
                    "p_neutral": 0.2,
                    "p_positive": 0.6 if sentiment == "positive" else 0.2,
                    "touchpoint": tp,
                    "touchpoint_score": 1.0,
                    "n_clauses": 1,
                    "encoder": "bench",
                    "embedding": blob,
                    "analysed_at": now,
                }
            )
            for position in range(rng.choice([1, 1, 2])):
                c_rows.append(
                    {
                        "feedback_id": fid,
                        "position": position,
                        "speaker": "customer",
                        "text": "转账一直转圈",
                        "start": 0,
                        "end": 6,
                        "touchpoint": tp if position == 0 else rng.choice(TOUCHPOINTS),
                        "touchpoint_score": 1.0,
                        "sentiment": rng.choice(SENTIMENTS),
                        "p_negative": 0.3,
                        "p_neutral": 0.4,
                        "p_positive": 0.3,
                    }
                )
            if rng.random() < 0.6:
                t_rows.append(
                    {
                        "feedback_id": fid,
                        "topic_id": rng.randrange(60),
                        "score": 0.9,
                        "model_version": "bench",
                        "assigned_at": now,
                    }
                )
        with engine.begin() as connection:
            connection.execute(insert(feedback), f_rows)
            connection.execute(insert(analyses), a_rows)
            connection.execute(insert(clauses), c_rows)
            connection.execute(insert(feedback_topics), t_rows)


def main() -> None:
    """Build the store, time the operations, print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=10_000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--reads", type=int, default=200)
    args = parser.parse_args()
    settings = AnalyticsSettings()
    start = datetime(2025, 11, 3)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate(engine)
        t = time.perf_counter()
        populate(engine, args.rows, start, args.weeks, 1, "f")
        populate_s = time.perf_counter() - t
        full = update_rollups(engine, settings, full=True)
        last2 = start + timedelta(weeks=args.weeks - 2)
        populate(engine, args.new, last2, 2, 2, "n")
        incremental = update_rollups(engine, settings)
        noop = update_rollups(engine, settings)
        rng = random.Random(3)
        weeks = sorted({week_key((start + timedelta(weeks=w)).date()) for w in range(args.weeks)})
        latencies = []
        for _ in range(args.reads):
            week = rng.choice(weeks)
            dim, value = rng.choice([("*", "*"), ("channel", rng.choice(CHANNELS))])
            t = time.perf_counter()
            rows = scorecard(engine, periods=[week], dim=dim, value=value, settings=settings)
            latencies.append(1000 * (time.perf_counter() - t))
            assert rows
        latencies.sort()
        t = time.perf_counter()
        episodes = detect_all(engine, settings)
        detect_s = time.perf_counter() - t
        print(
            json.dumps(
                {
                    "rows": args.rows,
                    "weeks": args.weeks,
                    "populate_s": round(populate_s, 1),
                    "full_build_s": round(full.seconds, 2),
                    "rollup_rows": full.rows,
                    "new_rows": args.new,
                    "incremental_s": round(incremental.seconds, 2),
                    "incremental_periods": len(incremental.periods),
                    "incremental_s_per_10k": round(incremental.seconds * 10_000 / args.new, 2),
                    "noop_update_s": round(noop.seconds, 3),
                    "scorecard_ms_p50": round(statistics.median(latencies), 2),
                    "scorecard_ms_p99": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
                    "detect_alerts_s": round(detect_s, 2),
                    "alert_episodes": len(episodes),
                }
            )
        )


if __name__ == "__main__":
    main()
