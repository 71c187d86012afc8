"""Scorecard and trend query speed over a large analysed store (issue 6: 1M feedback rows).

Usage: nice -n 10 python bench/scores.py [--rows 1000000] [--weeks 52] [--new 10000]
       [--rounds 2] [--reads 400] [--keep PATH]

Builds a SQLite store through the real migrations, then bulk-loads `rows` analysed items
(feedback + analyses + 1–2 clauses each + a topic for 60%; surveys carry CSAT/NPS,
complaints carry tickets) spread uniformly over `weeks` ISO weeks, with one planted ×3
spike (touchpoint tp_03, last-but-two week) so the alert path has evidence to gather. The
load uses the stdlib sqlite3 `executemany` in large transactions; it is setup, not measured
code. Then it times, through the package's own functions:

- full rollup build (`update_rollups(full=True)`);
- `rounds` incremental updates, each after `new` items land in the current week (one week
  past the loaded span, as new feedback does); an update recomputes every period it
  touches whole (the week and the month), so its cost tracks the period's size;
- a no-op update (nothing changed);
- `reads` scorecard queries (random week or month; all items, one touchpoint, or one
  channel/product/source/topic slice), p50/p90/p99 in ms; target p99 ≤ 50 ms;
- trend/alert reads: `weekly_series`, `detect_all`, `refresh_alerts` (with evidence),
  and `list_alerts`.

Prints a table and, last, one JSON line with the same figures.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from voc.analytics.alerts import list_alerts
from voc.analytics.periods import month_key, week_key
from voc.analytics.rollups import update_rollups
from voc.analytics.scores import scorecard
from voc.analytics.settings import AnalyticsSettings
from voc.analytics.trends import detect_all, refresh_alerts, weekly_series
from voc.store.db import make_engine, migrate

TOUCHPOINTS = [f"tp_{i:02d}" for i in range(20)]
CHANNELS = ["app_popup", "branch_pad", "sms_survey", "wechat", "hotline", "app"]
PRODUCTS = ["debit_card", "credit_card", "mortgage", "wealth", "deposit", "loan", None, None]
SOURCES = ["survey", "app_review", "call_transcript", "complaint"]
SENTIMENTS = ["negative", "neutral", "positive"]
TOPICS = 60
SPIKE_TP = "tp_03"
TEXT = "转账一直转圈，等了很久"
BLOB = bytes(16)

F_SQL = (
    "INSERT INTO feedback (id, source, channel, created_at, text, customer_key, csat, nps,"
    " product, app_version, ticket_opened_at, ticket_first_response_at, ticket_closed_at,"
    " ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
A_SQL = (
    "INSERT INTO analyses (feedback_id, version, sentiment, p_negative, p_neutral, p_positive,"
    " touchpoint, touchpoint_score, n_clauses, encoder, embedding, analysed_at)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
C_SQL = (
    'INSERT INTO clauses (feedback_id, position, speaker, text, start, "end", touchpoint,'
    " touchpoint_score, sentiment, p_negative, p_neutral, p_positive)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
T_SQL = (
    "INSERT INTO feedback_topics (feedback_id, topic_id, score, model_version, assigned_at)"
    " VALUES (?,?,?,?,?)"
)
PROBS = {"negative": (0.7, 0.2, 0.1), "neutral": (0.1, 0.8, 0.1), "positive": (0.1, 0.2, 0.7)}


def _ts(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text, so range filters compare correctly."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _items(
    rng: random.Random, n: int, start: datetime, seconds: int, prefix: str
) -> Iterator[tuple[str, datetime, str, str]]:
    """(id, created, touchpoint, sentiment) for `n` items uniform over `seconds` from start."""
    for k in range(n):
        created = start + timedelta(seconds=rng.randrange(seconds))
        yield f"{prefix}{k:010d}", created, rng.choice(TOUCHPOINTS), rng.choice(SENTIMENTS)


def load(
    path: Path,
    items: Iterator[tuple[str, datetime, str, str]],
    seed: int,
    stamp: datetime,
    customers: int,
    chunk: int = 50_000,
) -> int:
    """Bulk insert analysed items (feedback, analyses, clauses, topics); returns how many."""
    rng = random.Random(seed)
    at = _ts(stamp)
    total = 0
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    try:
        batch: list[tuple[str, datetime, str, str]] = []
        for item in items:
            batch.append(item)
            if len(batch) == chunk:
                total += _write(connection, batch, rng, at, customers)
                batch = []
        if batch:
            total += _write(connection, batch, rng, at, customers)
    finally:
        connection.close()
    return total


def _write(
    connection: sqlite3.Connection,
    batch: list[tuple[str, datetime, str, str]],
    rng: random.Random,
    at: str,
    customers: int,
) -> int:
    f_rows, a_rows, c_rows, t_rows = [], [], [], []
    for fid, created, tp, sentiment in batch:
        source = rng.choice(SOURCES)
        survey, complaint = source == "survey", source == "complaint"
        opened = _ts(created) if complaint else None
        f_rows.append(
            (
                fid,
                source,
                rng.choice(CHANNELS),
                _ts(created),
                TEXT,
                f"c{rng.randrange(customers)}",
                rng.randint(1, 5) if survey else None,
                rng.randint(0, 10) if survey else None,
                rng.choice(PRODUCTS),
                rng.choice(["8.1.0", "8.2.0"]) if source == "app_review" else None,
                opened,
                _ts(created + timedelta(minutes=rng.randint(5, 300))) if complaint else None,
                _ts(created + timedelta(hours=rng.randint(1, 72))) if complaint else None,
                at,
            )
        )
        neg, neu, pos = PROBS[sentiment]
        n_clauses = rng.choice((1, 1, 2))
        a_rows.append((fid, "bench", sentiment, neg, neu, pos, tp, 1.0, n_clauses, "b", BLOB, at))
        for position in range(n_clauses):
            c_tp = tp if position == 0 else rng.choice(TOUCHPOINTS)
            c_sent = sentiment if position == 0 else rng.choice(SENTIMENTS)
            c_neg, c_neu, c_pos = PROBS[c_sent]
            c_rows.append(
                (fid, position, "customer", TEXT, 0, 11, c_tp, 1.0, c_sent, c_neg, c_neu, c_pos)
            )
        if rng.random() < 0.6:
            t_rows.append((fid, rng.randrange(TOPICS), 0.9, "bench", at))
    with connection:
        connection.executemany(F_SQL, f_rows)
        connection.executemany(A_SQL, a_rows)
        connection.executemany(C_SQL, c_rows)
        connection.executemany(T_SQL, t_rows)
    return len(batch)


def _spike(
    rng: random.Random, n: int, week_start: datetime
) -> Iterator[tuple[str, datetime, str, str]]:
    for k in range(n):
        yield (
            f"s{k:010d}",
            week_start + timedelta(seconds=rng.randrange(7 * 86400)),
            SPIKE_TP,
            ("negative"),
        )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def _cpu(fn):  # type: ignore[no-untyped-def]
    """(result, wall s, CPU s of this process): on a shared machine wall > CPU."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Build the store, time rollups, scorecard and trend reads; print a table and JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="feedback rows loaded")
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--new", type=int, default=10_000, help="new rows per update round")
    parser.add_argument("--rounds", type=int, default=2, help="incremental update rounds")
    parser.add_argument("--reads", type=int, default=400, help="scorecard queries (≥200)")
    parser.add_argument("--keep", type=Path, help="write the store here instead of a temp dir")
    args = parser.parse_args()
    settings = AnalyticsSettings()
    start = datetime(2025, 11, 2, 16)  # Monday 00:00 in Shanghai, stored as naive UTC
    span = args.weeks * 7 * 86400
    per_tp_week = args.rows / args.weeks / len(TOUCHPOINTS)
    spike_n = round(2 * per_tp_week)  # the planted week has ~3× its touchpoint's volume
    out: dict[str, object] = {"rows": args.rows, "weeks": args.weeks}
    with tempfile.TemporaryDirectory(prefix="voc-bench-scores-") as tmp:
        path = args.keep or Path(tmp) / "bench.db"
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        engine.dispose()
        rng = random.Random(1)
        customers = max(1, args.rows // 3)
        t = time.perf_counter()
        base = load(path, _items(rng, args.rows - spike_n, start, span, "f"), 2, start, customers)
        spike_week = start + timedelta(weeks=args.weeks - 3)
        base += load(path, _spike(rng, spike_n, spike_week), 3, start, customers)
        out["load_s"] = round(time.perf_counter() - t, 1)
        out["db_mb"] = round(path.stat().st_size / 2**20)
        with sqlite3.connect(path) as connection:
            out["clause_rows"] = connection.execute("SELECT count(*) FROM clauses").fetchone()[0]

        full, _, full_cpu = _cpu(lambda: update_rollups(engine, settings, full=True))
        out |= {"full_build_s": round(full.seconds, 1), "rollup_rows": full.rows}
        out["full_build_cpu_s"] = round(full_cpu, 1)
        out["full_build_periods"] = len(full.periods)

        current = start + timedelta(weeks=args.weeks)  # the week after the loaded span
        rounds, rounds_cpu = [], []
        for r in range(args.rounds):
            stamp = current + timedelta(days=7, hours=r)  # later than every earlier ingest
            new_items = _items(random.Random(10 + r), args.new, current, 7 * 86400, f"n{r}_")
            load(path, new_items, 20 + r, stamp, customers)
            report, _, cpu = _cpu(lambda: update_rollups(engine, settings))
            rounds.append(report)
            rounds_cpu.append(cpu)
        out["update_s_per_new"] = [round(r.seconds, 2) for r in rounds]
        out["update_s_per_10k"] = round(
            statistics.mean(r.seconds for r in rounds) * 10_000 / args.new, 2
        )
        out["update_cpu_s_per_new"] = [round(c, 2) for c in rounds_cpu]
        out["update_periods"] = rounds[-1].periods if rounds else []
        out["update_items_reread"] = rounds[-1].items if rounds else 0
        _, noop_s = _timed(lambda: update_rollups(engine, settings))
        out["noop_update_s"] = round(noop_s, 3)

        weeks = sorted({week_key((start + timedelta(weeks=w, days=3)).date()) for w in range(52)})
        months = sorted({month_key((start + timedelta(weeks=w)).date()) for w in range(52)})
        q = random.Random(5)
        latencies = []
        for _ in range(args.reads):
            kind = q.random()
            kwargs: dict[str, object] = {"periods": [q.choice(weeks)]}
            if kind < 0.4:
                pass  # the full weekly scorecard
            elif kind < 0.6:
                kwargs["touchpoint"] = q.choice(TOUCHPOINTS)
            elif kind < 0.8:
                dim = q.choice(["channel", "product", "source"])
                choices = {"channel": CHANNELS, "product": PRODUCTS[:6], "source": SOURCES}[dim]
                kwargs |= {"dim": dim, "value": q.choice(choices)}
            elif kind < 0.9:
                kwargs |= {"dim": "topic", "value": str(q.randrange(TOPICS))}
            else:
                kwargs |= {"granularity": "month", "periods": [q.choice(months)]}
            rows, seconds = _timed(lambda kw=kwargs: scorecard(engine, settings=settings, **kw))
            assert rows, kwargs
            latencies.append(1000 * seconds)
        out |= {
            "scorecard_queries": len(latencies),
            "scorecard_ms_p50": round(_pct(latencies, 0.5), 2),
            "scorecard_ms_p90": round(_pct(latencies, 0.9), 2),
            "scorecard_ms_p99": round(_pct(latencies, 0.99), 2),
            "scorecard_ms_max": round(max(latencies), 2),
        }
        (_, series), series_s = _timed(lambda: weekly_series(engine))
        episodes, detect_s = _timed(lambda: detect_all(engine, settings))
        alerts, refresh_s = _timed(lambda: refresh_alerts(engine, settings))
        _, list_s = _timed(lambda: list_alerts(engine, since_week=weeks[-8]))
        spike_key = week_key((spike_week + timedelta(hours=8)).date())  # Shanghai date
        planted = [
            a
            for a in alerts
            if a["kind"] == "volume_spike"
            and a["touchpoint"] == SPIKE_TP
            and a["first_period"] <= spike_key <= a["last_period"]
        ]
        # everything else is an alert on uniform random data: a false alarm by construction
        # (bar the planted cell's own negative-share rise, counted apart)
        planted_cell = [
            a for a in alerts if a["touchpoint"] == SPIKE_TP and a["first_period"] == spike_key
        ]
        other = [a for a in alerts if a not in planted_cell]
        out |= {
            "series": len(series),
            "weekly_series_ms": round(1000 * series_s, 1),
            "detect_all_ms": round(1000 * detect_s, 1),
            "refresh_alerts_s": round(refresh_s, 2),
            "list_alerts_ms": round(1000 * list_s, 1),
            "alert_episodes": len(episodes),
            "planted_spike_found": bool(planted),
            "planted_cell_alerts": sorted(a["kind"] for a in planted_cell),
            "other_alerts": len(other),
            "other_alert_kinds": sorted({a["kind"] for a in other}),
        }
        engine.dispose()
    _print(out)


def _print(out: dict[str, object]) -> None:
    labels = {
        "rows": "feedback rows",
        "clause_rows": "clause rows",
        "db_mb": "SQLite file (MiB)",
        "load_s": "bulk load (s, setup)",
        "full_build_s": "full rollup build (s)",
        "full_build_cpu_s": "full rollup build, CPU of this process (s)",
        "rollup_rows": "rollup rows",
        "update_s_per_new": "incremental update per round (s)",
        "update_cpu_s_per_new": "incremental update per round, CPU (s)",
        "update_s_per_10k": "incremental update per 10k new rows (s)",
        "update_periods": "periods recomputed per round",
        "update_items_reread": "items re-read per round",
        "noop_update_s": "no-op update (s)",
        "scorecard_queries": "scorecard queries",
        "scorecard_ms_p50": "scorecard p50 (ms)",
        "scorecard_ms_p90": "scorecard p90 (ms)",
        "scorecard_ms_p99": "scorecard p99 (ms, target ≤ 50)",
        "scorecard_ms_max": "scorecard max (ms)",
        "series": "weekly series (touchpoints+topics)",
        "weekly_series_ms": "weekly_series read (ms)",
        "detect_all_ms": "detect_all over all series (ms)",
        "refresh_alerts_s": "refresh_alerts with evidence (s)",
        "list_alerts_ms": "list_alerts (ms)",
        "alert_episodes": "alert episodes",
        "planted_spike_found": "planted tp_03 spike found",
        "planted_cell_alerts": "alerts on the planted cell",
        "other_alerts": "other alerts (uniform data: false alarms)",
        "other_alert_kinds": "their kinds",
    }
    width = max(len(v) for v in labels.values())
    for key, label in labels.items():
        if key in out:
            print(f"{label:<{width}}  {out[key]}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
