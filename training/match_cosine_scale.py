"""Carry the pipeline's cosine thresholds over to another encoder's scale by matching shares
on unlabelled bank-app reviews (no labelled data is used).

    python -m training.match_cosine_scale --encoder e5-small-bank

Two thresholds besides the link and touchpoint ones were set on e5-small's cosines:
- `problem_group_similarity` (0.35): average-linkage cosine, on vectors centred on the
  store's mean, at which unmatched complaints group into a candidate problem — a threshold
  on *centred text pairs*;
- `topic_same_similarity` (0.95): centroid cosine at which two topics count as the same on a
  refit — a threshold on *group centroids*.
A fine-tuned encoder spreads cosines differently, so the same numbers mean something else.
Both encoders embed the same seeded sample of ICBC app reviews (`../shared/data`) the way
`voc analyze` does (clauses pooled into a document vector). For text pairs (each space
centred on the sample's mean, as `voc.search.candidates` centres on the store's), the
candidate's threshold is the cosine above which the same share of pairs lies as above the
reference's threshold. For centroids, the reviews are cut into groups once (k-means
on the reference's vectors, several k), each group's centroid is taken in both spaces, and
the share of centroid pairs is matched the same way.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from training.splits import DEFAULT_DATA_DIR, SEED
from voc.config import Settings
from voc.registry import build_encoder
from voc.topics.embedding import embed_texts

GROUP_COUNTS = (20, 40, 80)


def sample_reviews(data_dir: Path, reviews: int) -> list[str]:
    """Distinct texts of a seeded sample of bank-app reviews (at least 6 characters)."""
    frame = pd.read_csv(data_dir / "icbc_app_reviews" / "reviews.csv")
    texts = frame["text"].dropna().astype(str)
    texts = texts[texts.str.len() >= 6].drop_duplicates()
    return texts.sample(n=min(reviews, len(texts)), random_state=SEED).tolist()


def pair_cosines(vectors: np.ndarray) -> np.ndarray:
    """Cosines of every unordered pair of unit vectors."""
    upper = np.triu_indices(len(vectors), k=1)
    return (vectors @ vectors.T)[upper]


def centre(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors of each row minus the sample mean."""
    residual = vectors - vectors.mean(axis=0)
    return residual / np.linalg.norm(residual, axis=1, keepdims=True)


def matched_threshold(reference: np.ndarray, candidate: np.ndarray, threshold: float) -> float:
    """The candidate cosine above which the same share of pairs lies as above `threshold`
    among the reference cosines of the same pairs."""
    share = float(np.mean(reference >= threshold))
    return float(np.quantile(candidate, 1.0 - share))


def group_centroids(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit centroid of each group."""
    groups = np.unique(labels)
    centroids = np.vstack([vectors[labels == g].mean(axis=0) for g in groups])
    return centroids / np.linalg.norm(centroids, axis=1, keepdims=True)


def centroid_cosines(
    reference: np.ndarray, candidate: np.ndarray, counts: tuple[int, ...] = GROUP_COUNTS
) -> tuple[np.ndarray, np.ndarray]:
    """Centroid-pair cosines in both spaces for k-means groups cut on the reference vectors."""
    from sklearn.cluster import KMeans

    ref_parts, cand_parts = [], []
    for k in counts:
        labels = KMeans(n_clusters=k, n_init=4, random_state=SEED).fit_predict(reference)
        ref_parts.append(pair_cosines(group_centroids(reference, labels)))
        cand_parts.append(pair_cosines(group_centroids(candidate, labels)))
    return np.concatenate(ref_parts), np.concatenate(cand_parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", required=True, help="candidate encoder registry name")
    parser.add_argument("--reference", default="e5-small-torch")
    parser.add_argument("--pair-threshold", type=float, default=0.35)
    parser.add_argument("--centroid-threshold", type=float, default=0.95)
    parser.add_argument("--reviews", type=int, default=3000)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--write-to", type=Path, help="adapter folder whose config.json thresholds to update"
    )
    args = parser.parse_args(argv)

    texts = sample_reviews(args.data_dir, args.reviews)
    spaces = {}
    for role, encoder in (
        ("reference", build_encoder(Settings(encoder=args.reference))),
        ("candidate", _candidate(args.encoder, args.write_to)),
    ):
        spaces[role] = embed_texts(encoder, texts).documents  # as `voc analyze` pools them
    ref_pairs = pair_cosines(centre(spaces["reference"]))
    cand_pairs = pair_cosines(centre(spaces["candidate"]))
    ref_cent, cand_cent = centroid_cosines(spaces["reference"], spaces["candidate"])
    pair = matched_threshold(ref_pairs, cand_pairs, args.pair_threshold)
    centroid = matched_threshold(ref_cent, cand_cent, args.centroid_threshold)
    chosen = {
        "problem_group_similarity": round(pair, 3),
        "topic_same_similarity": round(centroid, 3),
    }
    if args.write_to is not None:
        write_thresholds(args.write_to, chosen)
    print(
        json.dumps(
            {
                "texts": len(texts),
                **chosen,
                "pair_share": round(float(np.mean(ref_pairs >= args.pair_threshold)), 5),
                "centroid_pairs": len(ref_cent),
                "centroid_share": round(float(np.mean(ref_cent >= args.centroid_threshold)), 4),
                "pair_rank_correlation": round(_spearman(ref_pairs, cand_pairs), 3),
            }
        )
    )


def _candidate(name: str, adapter: Path | None):  # type: ignore[no-untyped-def]
    """The encoder to measure: the adapter folder being packaged (whose config may still
    lack these thresholds), else the registry encoder by name."""
    if adapter is not None:
        from voc.models.encoder_adapter import adapted_encoder

        return adapted_encoder(adapter)
    return build_encoder(Settings(encoder=name))


def write_thresholds(folder: Path, thresholds: dict[str, float]) -> None:
    """Add or replace thresholds in an encoder adapter's `config.json`."""
    from voc.models.encoder_adapter import read_adapter_config

    config = read_adapter_config(folder)
    config.setdefault("thresholds", {}).update(thresholds)
    text = json.dumps(config, ensure_ascii=False, indent=2) + "\n"
    (Path(folder) / "config.json").write_text(text, encoding="utf-8")


def _spearman(a: np.ndarray, b: np.ndarray, sample: int = 200_000) -> float:
    """Rank correlation of the two spaces' pair cosines (how far a share match can hold)."""
    from scipy.stats import spearmanr

    rng = np.random.default_rng(SEED)
    pick = rng.choice(len(a), size=min(sample, len(a)), replace=False)
    return float(spearmanr(a[pick], b[pick]).statistic)


if __name__ == "__main__":
    main()
