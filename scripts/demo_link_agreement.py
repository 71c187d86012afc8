"""How well problem links on the demo corpus agree with the generator's ground truth.

    python scripts/generate_demo.py --seed 20261128 --out /tmp/demo --labels /tmp/labels.csv
    python scripts/demo_link_agreement.py --db sqlite:///$VOC_HOME/voc.db --labels /tmp/labels.csv

The generator labels each record's touchpoint, not its problem, so a link "agrees" when the
linked problem's touchpoint is the record's touchpoint: a proxy that misses a wrong problem on
the right touchpoint. Prints linked items, agreeing links and the agreement rate, overall and
among the top-k items by link score (k = the smaller encoder's link count, to compare two
encoders at equal volume).
"""

from __future__ import annotations

import argparse
import json

import pandas as pd
from sqlalchemy import create_engine, text

QUERY = """
select f.external_id as record, m.problem_id, m.score, m.matched, p.touchpoint as problem_tp
from problem_matches m
join feedback f on f.id = m.feedback_id
left join problems p on p.id = m.problem_id
"""


def agreement(db_url: str, labels_path: str, top: list[int]) -> dict:
    """Linked count, agreeing count and rate; and the same among the top-k scores."""
    engine = create_engine(db_url)
    with engine.connect() as connection:
        links = pd.read_sql(text(QUERY), connection)
    labels = pd.read_csv(labels_path, dtype=str).rename(columns={"id": "record"})
    rows = links.merge(labels[["record", "touchpoint"]], on="record", how="left")
    rows["agrees"] = rows["problem_tp"] == rows["touchpoint"]
    linked = rows[rows["matched"].astype(bool)]
    out = {
        "checked": len(rows),
        "linked": len(linked),
        "agreeing": int(linked["agrees"].sum()),
        "rate": round(float(linked["agrees"].mean()), 3) if len(linked) else None,
    }
    ranked = rows.sort_values("score", ascending=False)
    for k in top:
        out[f"top{k}_rate"] = round(float(ranked.head(k)["agrees"].mean()), 3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--labels", required=True)
    parser.add_argument("--top", type=int, nargs="*", default=[])
    args = parser.parse_args()
    print(json.dumps(agreement(args.db, args.labels, args.top)))


if __name__ == "__main__":
    main()
