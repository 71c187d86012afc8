"""Dev splits for the pair and retrieval evaluations, written as CSVs `voc eval` reads.

    python -m training.retrieval_splits --data-dir ../shared/data --out .voc/dev

- bq_corpus, afqmc: 10% of the pairs (at most 2,000), stratified by label, seed 20261128 ->
  `<name>_dev.csv` (columns sentence1, sentence2, label) and `<name>_train.csv` (the rest).
- jining_bank_faq, unionpay_faq: queries = 10% of the paraphrase questions (at most 2,000),
  seed 20261128, drawn only from groups (std_question) with at least two questions so every
  query has an answer left in the corpus; corpus = all other questions ->
  `<name>_corpus.csv` and `<name>_queries.csv` (columns text, group, category).
The files stay outside the repository (the data has no licence to redistribute).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

SEED = 20261128


def pair_split(data_dir: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, dev) pairs of a pair-matching set."""
    pairs = pd.read_csv(data_dir / name / "train.csv")
    size = min(2000, round(0.1 * len(pairs)))
    train, dev = train_test_split(pairs, test_size=size, stratify=pairs["label"], random_state=SEED)
    return train.reset_index(drop=True), dev.reset_index(drop=True)


def faq_split(data_dir: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(corpus, queries) of an FAQ set; groups are std_question."""
    path = data_dir / name / ("paraphrases_train.csv" if name == "jining_bank_faq" else "train.csv")
    raw = pd.read_csv(path)
    category = "category" if "category" in raw else "subject"
    frame = pd.DataFrame(
        {
            "text": raw["question"].astype(str),
            "group": raw["std_question"].astype(str),
            "category": raw[category].astype(str),
        }
    ).drop_duplicates("text")
    sizes = frame.groupby("group")["text"].transform("size")
    eligible = frame[sizes >= 2]
    size = min(2000, round(0.1 * len(frame)))
    queries = eligible.sample(n=size, random_state=SEED)
    per_group = queries.groupby("group").cumcount()
    remaining = sizes.loc[queries.index] - per_group - 1
    queries = queries[remaining >= 1]
    corpus = frame.drop(index=queries.index)
    return corpus.reset_index(drop=True), queries.reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path(".voc/dev"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for name in ("bq_corpus", "afqmc"):
        train, dev = pair_split(args.data_dir, name)
        train.to_csv(args.out / f"{name}_train.csv", index=False)
        dev.to_csv(args.out / f"{name}_dev.csv", index=False)
        print(f"{name}: train {len(train)} pairs, dev {len(dev)} pairs")
    for name in ("jining_bank_faq", "unionpay_faq"):
        corpus, queries = faq_split(args.data_dir, name)
        corpus.to_csv(args.out / f"{name}_corpus.csv", index=False)
        queries.to_csv(args.out / f"{name}_queries.csv", index=False)
        print(f"{name}: corpus {len(corpus)} questions, {len(queries)} queries")


if __name__ == "__main__":
    main()
