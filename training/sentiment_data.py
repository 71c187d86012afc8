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
        if name == "online_shopping_10_cats":
            train, _ = _shopping_parts(train)
        frames[name] = (train, dev)
    return frames


def shopping_extra(data_dir: Path, rows: int) -> pd.DataFrame:
    """`rows` online-shopping train rows outside the 6,000-row sample (stratified, seeded):
    more fit rows for a longer run, leaving the sample's validation part untouched."""
    rest = _shopping_parts(split("online_shopping_10_cats", data_dir)[0])[1]
    if rows >= len(rest):
        return rest
    strata = rest["cat"] + "|" + rest["label"].astype(str)
    extra, _ = train_test_split(rest, train_size=rows, stratify=strata, random_state=SEED)
    return extra.sort_values("row").reset_index(drop=True)


def _shopping_parts(train: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the stratified 6,000-row sample, the other train rows), each in file order."""
    if len(train) <= SHOPPING_TRAIN_ROWS:
        return train, train.iloc[:0]
    strata = train["cat"] + "|" + train["label"].astype(str)
    sample, rest = train_test_split(
        train, train_size=SHOPPING_TRAIN_ROWS, stratify=strata, random_state=SEED
    )
    return (
        sample.sort_values("row").reset_index(drop=True),
        rest.sort_values("row").reset_index(drop=True),
    )


BANK_REVIEWS = 8_000
BANK_QUESTIONS = 2_000


def bank_domain_texts(data_dir: Path) -> list[str]:
    """Unlabelled bank text for the sentiment gate's `other` class (no sentiment labels are
    read): a seeded sample of ICBC app reviews, bank customer questions from the train part of
    bq_corpus, and the FAQ corpus parts of jining_bank_faq and unionpay_faq (their query
    parts and bq's dev pairs stay out)."""
    from training.retrieval_splits import faq_split, pair_split

    reviews = pd.read_csv(data_dir / "icbc_app_reviews" / "reviews.csv")["text"].dropna()
    texts = reviews.astype(str).sample(n=BANK_REVIEWS, random_state=SEED).tolist()
    questions = pair_split(data_dir, "bq_corpus")[0]["sentence1"].drop_duplicates()
    texts += questions.astype(str).sample(n=BANK_QUESTIONS, random_state=SEED).tolist()
    for name in ("jining_bank_faq", "unionpay_faq"):
        texts += faq_split(data_dir, name)[0]["text"].tolist()
    return list(dict.fromkeys(t.strip() for t in texts if t.strip()))
