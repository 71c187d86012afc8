"""HTTP API latency and throughput: analyze, similar, problems and the touchpoint scorecard.

Usage: python bench/api.py [--home DIR] [--seconds 10] [--concurrency 1,4] [--problems 200]
       [--endpoints analyze,similar,problems,scores,scores_all] [--k 10] [--no-search]

`scores` is `GET /v1/touchpoints/scores` for the latest week (what a dashboard polls);
`scores_all` asks for every stored week at once. Both read the rollups, which the warm-up
brings up to date (the first call on a fresh copy builds them).

Starts `voc.api.server:app_from_environment` with uvicorn in a subprocess (the real app
with the configured models) on a free loopback port, creates keys, seeds `--problems`
problems when the library is empty, then drives each endpoint for `--seconds` per
concurrency level from client threads and prints req/s, p50, p99 and errors. `--home` is
used as VOC_HOME (give it a copy, never a database another process writes); without it a
temporary home is made (the first start then embeds the taxonomy, ~30 s). `similar` is
only meaningful on a home with analysed feedback and a problem library (the demo copy:
`voc problems import data/demo/problems.yaml` and `voc problems relink` there first); the
case count and problem count are printed with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

TEXTS = [
    "转账一直转圈，最后提示系统繁忙",
    "信用卡分期手续费怎么算的，说明看不懂",
    "网点排队一个多小时，窗口只开了两个",
    "APP界面挺好看的，但是贷款审批太慢了",
    "客服态度很好，问题很快解决了",
    "人脸识别老是失败，换了手机也不行",
    "理财收益比宣传的低不少，感觉被坑了",
    "升级8.2.0以后转账就闪退，打客服电话13812345678也没人接",
    "额度太低了，申请提额被拒",
    "智能客服答非所问，转人工好难",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _prepare(home: Path, n_problems: int) -> dict[str, str]:
    """Keys for the bench and a seeded problem library (in-process, before the server)."""
    from voc.api.keys import create_key
    from voc.config import Settings
    from voc.schema import Problem
    from voc.store.db import open_engine
    from voc.store.problems import list_problems, upsert_problem

    engine = open_engine(Settings(home=home))
    if not list_problems(engine):
        for i in range(n_problems):
            upsert_problem(
                engine,
                Problem(
                    id=f"P-BENCH-{i:04d}",
                    title=f"问题{i}：{TEXTS[i % len(TEXTS)][:12]}",
                    description=TEXTS[i % len(TEXTS)],
                    status=("open", "mitigated", "closed")[i % 3],
                ),
            )
    keys = {role: create_key(engine, role, f"bench-{role}")[1] for role in ("handler",)}
    engine.dispose()
    return keys


def _start(home: Path, port: int, search: bool = True) -> subprocess.Popen:
    env = {**os.environ, "VOC_HOME": str(home)}
    if not search:
        env["VOC_API_SIMILAR_SEARCH"] = "false"
    env.pop("VOC_DB_URL", None)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "voc.api.server:app_from_environment",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(command, env=env)


def _wait_ready(url: str, process: subprocess.Popen, timeout: float = 300) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return time.perf_counter() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("server not ready")


def _drive(url: str, key: str, method: str, path: str, body_of, seconds: float, threads: int):  # type: ignore[no-untyped-def]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker(index: int) -> None:
        n = index
        with httpx.Client(
            base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30
        ) as client:
            while time.perf_counter() < stop:
                body = body_of(n)
                n += threads
                t0 = time.perf_counter()
                try:
                    response = client.request(method, path, json=body)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = time.perf_counter() - t0
                with lock:
                    latencies.append(elapsed)
                    errors[0] += 0 if ok else 1

    began = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - began
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else float("nan")
    return {
        "endpoint": f"{method} {path}",
        "concurrency": threads,
        "requests": len(latencies),
        "errors": errors[0],
        "req_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p99_ms": round(p99 * 1000, 1),
    }


def _library_size(home: Path) -> tuple[int, int]:
    """(analysed cases, problems) in the home's store, printed next to the figures."""
    from sqlalchemy import func, select

    from voc.config import Settings
    from voc.store.db import open_engine
    from voc.store.tables import analyses, problems

    engine = open_engine(Settings(home=home))
    with engine.connect() as connection:
        cases = connection.scalar(select(func.count()).select_from(analyses))
        library = connection.scalar(select(func.count()).select_from(problems))
    engine.dispose()
    return int(cases or 0), int(library or 0)


def _endpoints(k: int) -> dict[str, tuple[str, str, object]]:
    return {
        "analyze": ("POST", "/v1/analyze", lambda n: {"text": TEXTS[n % len(TEXTS)]}),
        "similar": ("POST", "/v1/similar", lambda n: {"text": TEXTS[n % len(TEXTS)], "k": k}),
        "problems": ("GET", "/v1/problems?limit=50", lambda n: None),
        "scores": ("GET", "/v1/touchpoints/scores", lambda n: None),
        "scores_all": ("GET", "/v1/touchpoints/scores?from=2000-01-03", lambda n: None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", default="1,4")
    parser.add_argument("--problems", type=int, default=200)
    parser.add_argument("--endpoints", default="analyze,similar,problems,scores")
    parser.add_argument("--k", type=int, default=10, help="Cases per /v1/similar call.")
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="Serve without the case index (VOC_API_SIMILAR_SEARCH=false): for stores whose "
        "items carry no real embeddings, e.g. bench/scores.py --keep.",
    )
    args = parser.parse_args()
    home = args.home or Path(tempfile.mkdtemp(prefix="voc-bench-api-"))
    keys = _prepare(home, args.problems)
    cases, library = _library_size(home)
    table = _endpoints(args.k)
    names = [n.strip() for n in args.endpoints.split(",") if n.strip()]
    unknown = sorted(set(names) - set(table))
    if unknown:
        parser.error(f"unknown endpoints {unknown}; valid: {sorted(table)}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = _start(home, port, search=not args.no_search)
    try:
        startup = _wait_ready(url, process)
        print(f"server ready in {startup:.1f}s (VOC_HOME={home})")
        print(f"store: {cases} analysed cases, {library} problems")
        # Warm-up: first calls load lazy parts of the models (and jieba for BM25).
        with httpx.Client(
            base_url=url, headers={"X-API-Key": keys["handler"]}, timeout=300
        ) as client:
            for name in names:
                method, path, body_of = table[name]
                for n in range(len(TEXTS)):
                    client.request(method, path, json=body_of(n))  # type: ignore[operator]
        results = []
        for threads in (int(c) for c in args.concurrency.split(",")):
            for name in names:
                method, path, body_of = table[name]
                results.append(
                    _drive(url, keys["handler"], method, path, body_of, args.seconds, threads)
                )
        for row in results:
            print(
                f"{row['endpoint']:<28} c={row['concurrency']}  {row['req_per_s']:>7.1f} req/s  "
                f"p50 {row['p50_ms']:>6.1f} ms  p99 {row['p99_ms']:>6.1f} ms  "
                f"errors {row['errors']}/{row['requests']}"
            )
        print(json.dumps({"cases": cases, "problems": library, "results": results}))
    finally:
        process.terminate()
        process.wait(timeout=30)


if __name__ == "__main__":
    main()
