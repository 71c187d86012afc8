"""Choose an encoder's touchpoint similarity floor by matching the reference encoder's share
of `none` answers on unlabelled bank-app clauses (no labelled data is used).

    python -m training.choose_touchpoint_threshold --encoder e5-small-bank

The floor `VOC_TOUCHPOINT_MIN_SIMILARITY` (0.90) was set for e5-small's cosine scale; a
fine-tuned encoder spreads cosines differently, so the same number would turn most clauses
into `none` (or none of them). Here both encoders label the same clauses — a seeded sample of
the ICBC app reviews in `../shared/data`, split into clauses — and the floor is bisected until
the candidate says `none` as often as the reference does at its floor. The labelled
`eval/touchpoint_clauses.csv` stays for evaluation (`voc eval touchpoints`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from training.splits import DEFAULT_DATA_DIR, SEED
from voc.config import Settings
from voc.models.touchpoints import NONE
from voc.registry import build_encoder, build_touchpoints
from voc.text.clauses import split_clauses


def sample_clauses(data_dir: Path, reviews: int) -> list[str]:
    """Distinct clauses of a seeded sample of bank-app reviews."""
    frame = pd.read_csv(data_dir / "icbc_app_reviews" / "reviews.csv")
    texts = frame["text"].dropna().astype(str).sample(n=reviews, random_state=SEED)
    clauses = [c.text for text in texts for c in split_clauses(text)]
    return list(dict.fromkeys(clauses))


def none_share(classifier, clauses: list[str], embeddings: np.ndarray, floor: float) -> float:  # type: ignore[no-untyped-def]
    """Share of clauses answered `none` at this similarity floor."""
    classifier.min_similarity = floor
    matches = classifier.predict(clauses, embeddings)
    return float(np.mean([m.touchpoint == NONE for m in matches]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", required=True, help="candidate encoder registry name")
    parser.add_argument("--reference", default="e5-small-torch")
    parser.add_argument("--reference-floor", type=float, default=0.90)
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)

    clauses = sample_clauses(args.data_dir, args.reviews)
    shares = {}
    reference = build_touchpoints(
        Settings(encoder=args.reference), build_encoder(Settings(encoder=args.reference))
    )
    ref_embeddings = reference.encoder.encode(clauses, kind="query")
    target = none_share(reference, clauses, ref_embeddings, args.reference_floor)
    shares["reference"] = round(target, 4)
    candidate = build_touchpoints(
        Settings(encoder=args.encoder), build_encoder(Settings(encoder=args.encoder))
    )
    embeddings = candidate.encoder.encode(clauses, kind="query")
    low, high = 0.0, 1.0
    for _ in range(20):  # the none share rises with the floor
        middle = (low + high) / 2
        if none_share(candidate, clauses, embeddings, middle) < target:
            low = middle
        else:
            high = middle
    floor = round((low + high) / 2, 3)
    shares["candidate"] = round(none_share(candidate, clauses, embeddings, floor), 4)
    print(json.dumps({"clauses": len(clauses), "floor": floor, "none_share": shares}))


if __name__ == "__main__":
    main()
