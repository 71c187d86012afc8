"""Topic measurements: ICBC reviews (outliers, stability, labels, clause vs document),
labelled sets vs BERTopic defaults, the demo bank's planted incidents, and fit/assign speed.

Embeddings come from `python -m training.topics_embed icbc jining shopping` (cached under
/work/cache/topics), so only the clustering is timed here. Every figure is printed; the
last stdout line of each part is one JSON object.

    nice -n 10 .venv/bin/python -m bench.topics icbc
    nice -n 10 .venv/bin/python -m bench.topics labelled jining shopping
    nice -n 10 .venv/bin/python -m bench.topics demo --db /tmp/topics/voc.db --labels F
    nice -n 10 .venv/bin/python -m bench.topics scale 20000 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from voc.models.topics import OUTLIER, Anchor, TopicModel
from voc.topics.evaluate import bertopic_default_topics, cluster_scores, fit_for_eval
from voc.topics.stability import EVENTS, align_topics, same_id_share

CACHE = Path("/work/cache/topics")
ICBC_BASE = 4000


def _emit(name: str, result: dict) -> None:
    print(f"[{name}]", json.dumps(result, ensure_ascii=False))


def _stable_ids(old: TopicModel, new: TopicModel, shared: int) -> np.ndarray:
    """The refit's document topics under stable ids (first `shared` documents compared)."""
    alignment = align_topics(
        old.topic_ids_,
        old.centroids_,
        new.topic_ids_,
        new.centroids_,
        next_id=10_000,
        old_assign=old.document_topics_[:shared],
        new_assign=new.document_topics_[:shared],
    )
    events = {e: alignment.count(e) for e in ("kept", "new", "split", "merged", "retired")}
    print(f"  alignment events: {events}")
    return np.asarray([alignment.mapping.get(int(t), OUTLIER) for t in new.document_topics_])


def icbc(threshold: float | None, sweep: bool) -> None:
    """Outliers, labels and stability on the fixed ICBC sample (document level)."""
    df = pd.read_csv(CACHE / "icbc.csv")
    vectors = np.load(CACHE / "icbc_docs.npy")
    texts = df["text"].astype(str).tolist()
    base_t, base_v = texts[:ICBC_BASE], vectors[:ICBC_BASE]
    started = time.perf_counter()
    a = fit_for_eval(base_t, base_v, random_state=42, outlier_threshold=threshold)
    fit_s = time.perf_counter() - started
    print(f"ICBC {len(base_t)} reviews: {len(a.topic_ids_)} topics, fit {fit_s:.1f}s")
    print(
        f"  HDBSCAN outliers {a.raw_outlier_share_:.1%} -> after reduction "
        f"{(a.document_topics_ == OUTLIER).mean():.1%} (threshold {threshold})"
    )
    raw_out = a.raw_topics_ == OUTLIER
    joined = raw_out & (a.document_topics_ != OUTLIER)
    inlier_cos = float(a.document_scores_[~raw_out].mean())
    joined_cos = float(a.document_scores_[joined].mean()) if joined.any() else float("nan")
    print(
        f"  cosine to own centroid: HDBSCAN members {inlier_cos:.3f}, joined outliers "
        f"{joined_cos:.3f}"
    )
    for t in sorted(a.topic_ids_, key=lambda t: -a.sizes_[t])[:15]:
        print(f"  {t:>3} {a.sizes_[t]:>4} {a.labels_[t]:<20} e.g. {a.examples_[t][0][:40]}")
    b = fit_for_eval(
        base_t,
        base_v,
        random_state=7,
        outlier_threshold=threshold,
        anchor=Anchor(a, a.document_topics_, next_id=10_000),
    )
    print(f"  refit events: { {e: b.alignment_.count(e) for e in EVENTS} }")
    seed_share = same_id_share(a.document_topics_, b.document_topics_)
    seed_assigned = same_id_share(a.document_topics_, b.document_topics_, assigned_only=True)
    print(f"  refit same data seed 7: same id {seed_share:.1%} (of assigned {seed_assigned:.1%})")
    old = np.concatenate([a.document_topics_, np.full(len(texts) - ICBC_BASE, OUTLIER)])
    c = fit_for_eval(
        texts,
        vectors,
        random_state=42,
        outlier_threshold=threshold,
        anchor=Anchor(a, old, next_id=10_000),
    )
    print(f"  refit events: { {e: c.alignment_.count(e) for e in EVENTS} }")
    c_topics = c.document_topics_[:ICBC_BASE]
    more_share = same_id_share(a.document_topics_, c_topics)
    more_assigned = same_id_share(a.document_topics_, c_topics, assigned_only=True)
    print(f"  refit +10% data: same id {more_share:.1%} (of assigned {more_assigned:.1%})")
    print(
        f"  +10% refit: unassigned {(c.document_topics_ == OUTLIER).mean():.1%}, "
        f"{len(c.topic_ids_)} topics"
    )
    result = {
        "n": len(base_t),
        "n_topics": len(a.topic_ids_),
        "raw_outlier_share": round(a.raw_outlier_share_, 4),
        "outlier_share": round(float((a.document_topics_ == OUTLIER).mean()), 4),
        "threshold": round(a.threshold_, 4),
        "fit_seconds": round(fit_s, 1),
        "same_id_other_seed": round(seed_share, 4),
        "same_id_plus_10pct": round(more_share, 4),
        "joined_share": round(float(joined.mean()), 4),
        "cos_members": round(inlier_cos, 3),
        "cos_joined": round(joined_cos, 3),
    }
    if sweep:
        best = (base_v / np.linalg.norm(base_v, axis=1, keepdims=True) @ a.centroids_.T).max(1)
        own = a.document_scores_[~raw_out]  # HDBSCAN members: cosine to nearest centroid
        for q in (0.01, 0.02, 0.03, 0.05, 0.10):
            print(f"  member-cosine quantile {q:.2f} = {np.quantile(own, q):.4f}")
        for t in (0.90, 0.91, 0.92, 0.93, 0.94, 0.95):
            print(f"  threshold {t:.2f}: unassigned ~{(raw_out & (best < t)).mean():.1%}")
    _emit("icbc", result)


def clause_vs_document() -> None:
    """ICBC: fit on clauses (item topic = most negative clause's) vs on pooled documents."""
    from voc.config import Settings
    from voc.registry import build_sentiment

    df = pd.read_csv(CACHE / "icbc.csv")
    texts = df["text"].astype(str).tolist()[:ICBC_BASE]
    with open(CACHE / "icbc_clauses.json", encoding="utf-8") as handle:
        meta = json.load(handle)
    owner = np.asarray(meta["doc"])
    keep = owner < ICBC_BASE
    c_texts = [t for t, k in zip(meta["texts"], keep, strict=True) if k]
    c_vectors = np.load(CACHE / "icbc_clauses.npy")[keep]
    owner = owner[keep]
    sentiment = build_sentiment(Settings())
    p_neg = sentiment.predict_proba(c_texts, c_vectors)[:, 0]
    print(f"ICBC clauses: {len(c_texts)} from {ICBC_BASE} reviews")
    for seed in (42, 7):
        started = time.perf_counter()
        model = fit_for_eval(c_texts, c_vectors, random_state=seed)
        from voc.topics.corpus import Corpus, item_topics

        corpus = Corpus([str(i) for i in range(ICBC_BASE)], c_texts, c_vectors, owner, p_neg, "")
        items, _ = item_topics(corpus, model.document_topics_, model.document_scores_)
        print(
            f"  seed {seed}: {len(model.topic_ids_)} clause topics, clause outliers "
            f"{(model.document_topics_ == OUTLIER).mean():.1%}, item unassigned "
            f"{(items == OUTLIER).mean():.1%}, {time.perf_counter() - started:.0f}s"
        )
        if seed == 42:
            first, first_items = model, items
            for t in sorted(model.topic_ids_, key=lambda t: -model.sizes_[t])[:12]:
                print(f"    {t:>3} {model.sizes_[t]:>4} {model.labels_[t]}")
        else:
            stable = _stable_ids(first, model, len(c_texts))
            share = same_id_share(first.document_topics_, stable)
            print(f"  clause refit seed 7: same id {share:.1%}")
    del first_items, texts


def labelled(names: list[str]) -> None:
    """Our TopicModel vs BERTopic defaults on the same embeddings, against the categories."""
    for name in names:
        df = pd.read_csv(CACHE / f"{name}.csv")
        vectors = np.load(CACHE / f"{name}_docs.npy")
        texts, labels = df["text"].astype(str).tolist(), df["label"].astype(str).tolist()
        started = time.perf_counter()
        model = fit_for_eval(texts, vectors)
        ours = {
            "n": len(texts),
            **cluster_scores(labels, model.document_topics_),
            "n_topics": len(model.topic_ids_),
            "fit_seconds": round(time.perf_counter() - started, 1),
        }
        started = time.perf_counter()
        base = bertopic_default_topics(texts, vectors)
        default = {
            "n": len(texts),
            **cluster_scores(labels, base),
            "n_topics": len(set(base.tolist()) - {OUTLIER}),
            "fit_seconds": round(time.perf_counter() - started, 1),
        }
        print(f"{name}: {len(set(labels))} categories")
        _emit(f"{name} voc", ours)
        _emit(f"{name} bertopic-default", default)


def demo(db: Path, labels_file: Path | None) -> None:
    """Document vs clause level on the demo bank; NMI against the true touchpoint."""
    from sqlalchemy import select

    from voc.config import Settings
    from voc.store.db import make_engine
    from voc.store.tables import feedback
    from voc.topics.corpus import item_topics, load_corpus

    engine = make_engine(f"sqlite:///{db}")
    truth: dict[str, str] = {}
    incident: dict[str, str] = {}
    if labels_file is not None:
        gt = pd.read_csv(labels_file)
        with engine.connect() as connection:
            rows = connection.execute(select(feedback.c.id, feedback.c.external_id)).fetchall()
        by_external = {str(e): i for i, e in rows}
        key = "id"
        for _, r in gt.iterrows():
            fid = by_external.get(str(r[key]))
            if fid:
                truth[fid] = str(r.get("touchpoint"))
                incident[fid] = "" if pd.isna(r.get("incident")) else str(r.get("incident"))
    del Settings
    for level in ("document", "clause"):
        corpus = load_corpus(engine, level)  # type: ignore[arg-type]
        for seed in (42, 7):
            model = fit_for_eval(corpus.texts, corpus.embeddings, random_state=seed)
            items, _ = item_topics(corpus, model.document_topics_, model.document_scores_)
            line = {
                "level": level,
                "seed": seed,
                "units": len(corpus.texts),
                "n_topics": len(model.topic_ids_),
                "item_unassigned": round(float((items == OUTLIER).mean()), 4),
            }
            if truth:
                pairs = [
                    (truth[f], t)
                    for f, t in zip(corpus.feedback_ids, items, strict=True)
                    if f in truth
                ]
                scores = cluster_scores([p[0] for p in pairs], np.asarray([p[1] for p in pairs]))
                line.update(nmi_touchpoint=scores["nmi"], ari_touchpoint=scores["ari"])
            if seed == 42:
                for name in sorted({v for v in incident.values() if v}):
                    hits = [
                        t
                        for f, t in zip(corpus.feedback_ids, items, strict=True)
                        if incident.get(f) == name
                    ]
                    top = max(set(hits), key=hits.count)
                    label = model.labels_.get(int(top), "unassigned")
                    size = int((items == top).sum())
                    print(
                        f"  incident {name}: {len(hits)} items, {hits.count(top)} in topic "
                        f"{top} '{label}' (topic size {size})"
                    )
            _emit(f"demo {level}", line)


def _scale_child(n: int) -> None:
    """One size in a fresh process, so peak memory (ru_maxrss) is this fit's own."""
    df = pd.read_csv(CACHE / "icbc.csv")
    base = np.load(CACHE / "icbc_docs.npy")
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(base), size=n)
    vectors = base[pick] + 0.02 * rng.normal(size=(n, base.shape[1])).astype(np.float32)
    texts = df["text"].astype(str).to_numpy()[pick].tolist()
    started = time.perf_counter()
    model = fit_for_eval(texts, vectors)
    fit_s = time.perf_counter() - started
    fresh = base[rng.integers(0, len(base), size=20_000)]
    started = time.perf_counter()
    model.transform(fresh)
    assign_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    _emit(
        f"scale {n}",
        {
            "n": n,
            "fit_seconds": round(fit_s, 1),
            "peak_rss_mb": round(peak_mb),
            "n_topics": len(model.topic_ids_),
            "outlier_share": round(float((model.document_topics_ == OUTLIER).mean()), 4),
            "assign_per_s": round(20_000 / assign_s),
        },
    )


def scale(sizes: list[int]) -> None:
    """Fit time and peak memory per size (ICBC vectors resampled with small noise)."""
    for n in sizes:
        subprocess.run([sys.executable, "-m", "bench.topics", "_scale", str(n)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("part", choices=["icbc", "clause", "labelled", "demo", "scale", "_scale"])
    parser.add_argument("args", nargs="*")
    parser.add_argument("--threshold", type=float, default=None, help="default: calibrated")
    parser.add_argument("--sweep", action="store_true")
    parser.add_argument("--db", type=Path, default=Path("/tmp/topics/voc.db"))
    parser.add_argument("--labels", type=Path, default=None)
    args = parser.parse_args()
    if args.part == "icbc":
        icbc(args.threshold, args.sweep)
    elif args.part == "clause":
        clause_vs_document()
    elif args.part == "labelled":
        labelled(args.args or ["jining", "shopping"])
    elif args.part == "demo":
        demo(args.db, args.labels)
    elif args.part == "scale":
        scale([int(a) for a in args.args] or [20_000, 100_000])
    else:
        _scale_child(int(args.args[0]))


if __name__ == "__main__":
    main()
