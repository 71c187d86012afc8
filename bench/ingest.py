"""Ingest throughput and peak memory on generated survey exports (no model analysis).

Usage: python bench/ingest.py [--sizes 25000,100000] [--batch 2000]

Each size runs in its own process so its peak RSS is its own; a flat peak across sizes shows
the file is streamed, not loaded whole. Target on a 2-core machine: >= 5,000 rows/s.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PHRASES = [
    "转账一直转圈，最后提示系统繁忙",
    "信用卡分期手续费怎么算的，说明看不懂",
    "网点排队一个多小时",
    "APP界面挺好看的，但是贷款审批太慢了",
    "客服态度很好，问题很快解决了",
    "人脸识别老是失败",
    "理财收益比宣传的低不少",
    "短信提醒很及时，点赞",
    "更新完更难用了，闪退好几次",
    "额度太低了，申请提额被拒",
    "热线等了二十分钟才接通",
    "智能客服答非所问，转人工好难",
]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """A survey CSV with realistic text, scores, some PII and some malformed rows."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("response_id,submitted_at,csat,nps,text,channel,customer_id\n")
        for i in range(rows):
            text = rng.choice(PHRASES) + f"（第{i}条）"
            if i % 50 == 0:
                text += f"，联系电话138{rng.randrange(10**8):08d}"
            csat = "abc" if i % 997 == 0 else str(rng.randint(1, 5))
            day = 1 + i % 28
            handle.write(
                f"R{i},2026-10-{day:02d} {i % 24:02d}:{i % 60:02d}:00,{csat},{rng.randint(0, 10)},"
                f"{text},app_popup,C{rng.randrange(50_000)}\n"
            )


def run_one(rows: int, batch: int) -> dict:
    """Generate, ingest in this process, and report timing and peak RSS."""
    from voc.config import Settings
    from voc.ingest.pipeline import FeedbackPreparer, Ingestor
    from voc.store.db import open_engine

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        generate(path, rows)
        settings = Settings(home=Path(folder) / "home", ingest_batch_size=batch)
        engine = open_engine(settings)
        ingestor = Ingestor(engine, FeedbackPreparer(settings.pii_salt), batch)
        ingestor.preparer.clean("预热")  # load OpenCC once, outside the timed part
        start = time.perf_counter()
        summary = ingestor.ingest_file(path, "survey")
        seconds = time.perf_counter() - start
        rerun_start = time.perf_counter()
        again = ingestor.ingest_file(path, "survey")
        rerun_seconds = time.perf_counter() - rerun_start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "peak_rss_mb": round(peak_mb, 1),
        "stored": summary.stored,
        "rejected": summary.rejected,
        "rerun_stored": again.stored,
        "rerun_rows_per_s": round(rows / rerun_seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="25000,100000")
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.batch)))
        return
    print(f"{'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak RSS MB':>12} {'rerun rows/s':>13}")
    for size in (int(s) for s in args.sizes.split(",")):
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(size), "--batch", str(args.batch)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['rows']:>8} {r['seconds']:>8} {r['rows_per_s']:>8} {r['peak_rss_mb']:>12} "
            f"{r['rerun_rows_per_s']:>13}   stored={r['stored']} rejected={r['rejected']} "
            f"rerun_stored={r['rerun_stored']}"
        )


if __name__ == "__main__":
    main()
