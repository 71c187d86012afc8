"""Score alerts against known incidents: hits, misses and false alarms (the demo's ground truth).

`python -m voc.analytics.alert_eval --db sqlite:///…/voc.db` runs the detectors on an analysed
demo store with the default settings and a few looser/stricter variants, and prints one JSON
line per variant. The incidents are those planted in `data/demo/README.md`.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

from voc.analytics.settings import AnalyticsSettings


@dataclass(frozen=True)
class Incident:
    """A known incident: the touchpoint it hits and the weeks it lasts."""

    name: str
    touchpoint: str
    first_week: str
    last_week: str


DEMO_INCIDENTS = (
    Incident("A app_transfer spike (app 8.2.0)", "app_transfer", "2026-W41", "2026-W42"),
    Incident("B card_instalment fee rise", "card_instalment", "2026-W34", "2026-W46"),
)


def topic_touchpoints(engine) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Each topic's most common document touchpoint (how a topic alert is matched)."""
    from collections import Counter

    from sqlalchemy import select

    from voc.store.tables import analyses
    from voc.store.topic_tables import feedback_topics

    query = select(feedback_topics.c.topic_id, analyses.c.touchpoint).join(
        analyses, analyses.c.feedback_id == feedback_topics.c.feedback_id
    )
    counts: dict[int, Counter] = {}
    with engine.connect() as connection:
        for topic, touchpoint in connection.execute(query):
            if topic is not None and touchpoint:
                counts.setdefault(topic, Counter())[touchpoint] += 1
    return {topic: c.most_common(1)[0][0] for topic, c in counts.items()}


def _overlaps(alert: dict[str, Any], incident: Incident) -> bool:
    return (
        alert["first_period"] <= incident.last_week and alert["last_period"] >= incident.first_week
    )


def score_alerts(  # type: ignore[no-untyped-def]
    alerts: list[dict[str, Any]],
    incidents=DEMO_INCIDENTS,
    topic_touchpoint: dict[int, str] | None = None,
) -> dict[str, Any]:
    """Hits per incident, misses, alerts on the whole bank during an incident, false alarms.

    An alert hits an incident when it names the incident's touchpoint (a topic alert: when
    the topic's most common touchpoint is that one) and its weeks overlap the incident's;
    a whole-bank alert (no touchpoint, no topic) during an incident is counted as `related`;
    anything else is a false alarm.
    """
    topic_touchpoint = topic_touchpoint or {}
    hits: dict[str, list[str]] = {i.name: [] for i in incidents}
    related, false_alarms = [], []
    for alert in alerts:
        topic = alert["topic_id"]
        where = alert["touchpoint"] or (f"topic {topic}" if topic is not None else "all")
        label = f"{alert['kind']} {where} {alert['period']}"
        touchpoint = alert["touchpoint"] or topic_touchpoint.get(topic)
        matched = [i for i in incidents if touchpoint == i.touchpoint and _overlaps(alert, i)]
        for incident in matched:
            hits[incident.name].append(label)
        if matched:
            continue
        if (
            alert["touchpoint"] is None
            and alert["topic_id"] is None
            and any(_overlaps(alert, i) for i in incidents)
        ):
            related.append(label)
        else:
            false_alarms.append(label)
    return {
        "hits": hits,
        "missed": [name for name, found in hits.items() if not found],
        "related": related,
        "false_alarms": false_alarms,
    }


VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "looser": {
        "weekly_false_alarm_rate": 0.2,
        "spike_max_p": 0.01,
        "trend_max_p": 0.01,
        "share_min_z": 3.0,
        "score_min_z": 2.5,
    },
    "loosest": {
        "weekly_false_alarm_rate": 0.5,
        "spike_max_p": 0.05,
        "spike_min_ratio": 1.5,
        "trend_max_p": 0.05,
        "trend_min_ratio": 1.3,
        "share_min_z": 2.0,
        "share_min_diff": 0.1,
        "score_min_z": 2.0,
    },
    "stricter": {
        "weekly_false_alarm_rate": 0.01,
        "spike_max_p": 1e-4,
        "trend_max_p": 1e-4,
        "share_min_z": 4.0,
    },
}


def main() -> None:
    """Print one JSON line per settings variant."""
    from voc.analytics.rollups import update_rollups
    from voc.analytics.trends import detect_all
    from voc.store.db import make_engine, migrate

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", required=True, help="SQLAlchemy URL of an analysed demo store")
    args = parser.parse_args()
    engine = make_engine(args.db)
    migrate(engine)
    update_rollups(engine, AnalyticsSettings())
    mapping = topic_touchpoints(engine)
    for name, overrides in VARIANTS.items():
        settings = AnalyticsSettings(**overrides)
        alerts = [
            {
                "kind": e.kind,
                "touchpoint": e.touchpoint,
                "topic_id": e.topic_id,
                "period": e.weeks[0],
                "first_period": e.weeks[0],
                "last_period": e.weeks[-1],
            }
            for e in detect_all(engine, settings)
        ]
        scored = score_alerts(alerts, topic_touchpoint=mapping)
        print(json.dumps({"variant": name, "n_alerts": len(alerts)} | scored, ensure_ascii=False))


if __name__ == "__main__":
    main()
