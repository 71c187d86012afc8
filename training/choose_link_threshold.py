"""Choose the link threshold (cosine at which two texts are "the same problem") on train pairs.

    python -m training.choose_link_threshold --splits .voc/dev [--n 2000]

Uses n pairs from the train parts of bq_corpus and afqmc (written by
`training.retrieval_splits`; the dev parts are left for `voc eval pairs`), and prints the
accuracy-maximising cosine per set and pooled.

The shipped default (`VOC_LINK_THRESHOLD`, 0.92) is bq_corpus's value rounded: its pairs are
bank customer questions with balanced labels, the closest public proxy for "is this
complaint the same problem". afqmc is 69% negative and barely separable by the frozen
encoder (train AUC 0.65), so its accuracy optimum (0.987) just predicts "different" for
almost everything, and the pooled value (0.966) inherits that; neither is used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from training.embedding_cache import DEFAULT_CACHE_DIR, cached_embeddings
from voc.evaluation.pairs import best_threshold, roc_auc
from voc.models.encoders import E5SmallQ4Encoder

SEED = 20261128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splits", type=Path, default=Path(".voc/dev"))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    encoder = E5SmallQ4Encoder()
    all_scores, all_labels, result = [], [], {}
    for name in ("bq_corpus", "afqmc"):
        pairs = pd.read_csv(args.splits / f"{name}_train.csv").sample(args.n, random_state=SEED)
        a = cached_embeddings(
            encoder, f"{name}_tr_a", pairs["sentence1"].astype(str).tolist(), args.cache_dir
        )
        b = cached_embeddings(
            encoder, f"{name}_tr_b", pairs["sentence2"].astype(str).tolist(), args.cache_dir
        )
        scores = np.einsum("ij,ij->i", a, b)
        labels = pairs["label"].to_numpy()
        threshold = best_threshold(labels, scores)
        result[name] = {
            "threshold": round(threshold, 4),
            "train_accuracy": round(float(np.mean((scores >= threshold) == (labels == 1))), 4),
            "train_auc": round(roc_auc(labels, scores), 4),
        }
        all_scores.append(scores)
        all_labels.append(labels)
    scores, labels = np.concatenate(all_scores), np.concatenate(all_labels)
    result["pooled_threshold"] = round(best_threshold(labels, scores), 4)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
