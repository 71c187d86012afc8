"""The training and dev texts of the shipped sentiment model, in one place.

Training pools finfe (3-class finance) with three review sets (polarity); online shopping's
train split is subsampled (stratified by category and label) to bound CPU embedding time.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from training.splits import DATASETS, SEED, split

SHOPPING_TRAIN_ROWS = 6_000


def training_frames(data_dir: Path) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per dataset: (train, dev), with online shopping's train subsampled."""
    frames = {}
    for name in DATASETS:
        train, dev = split(name, data_dir)
        if name == "online_shopping_10_cats" and len(train) > SHOPPING_TRAIN_ROWS:
            strata = train["cat"] + "|" + train["label"].astype(str)
            train, _ = train_test_split(
                train, train_size=SHOPPING_TRAIN_ROWS, stratify=strata, random_state=SEED
            )
            train = train.sort_values("row").reset_index(drop=True)
        frames[name] = (train, dev)
    return frames
