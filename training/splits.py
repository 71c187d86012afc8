"""Train / dev splits for the sentiment experiments.

``split(name)`` returns ``(train, dev)`` as two ``pandas.DataFrame`` with the columns

* ``text``  – the review / post, as in the source CSV (``review`` renamed to ``text``);
* ``label`` – the dataset's own label (review sets: 0 = negative, 1 = positive;
  finfe: 0 = negative, 1 = neutral, 2 = positive);
* ``y3``    – the label on the shared 3-class scale 0 = negative, 1 = neutral,
  2 = positive (review sets: neg -> 0, pos -> 2; finfe unchanged);
* ``cat``   – product category (online_shopping_10_cats only);
* ``row``   – the row's index in the source ``train.csv`` (stable key for caches).

How the dev split is carved
---------------------------
From each dataset's shared ``train.csv`` (``<data_dir>/<name>/train.csv``) we draw a stratified
random dev split of 10 % of the rows, clamped to at least 500 and at most 2,000 rows
(finfe 978, chnsenticorp_htl 572, waimai_10k 1,018, online_shopping_10_cats 2,000), with
``sklearn.model_selection.train_test_split(random_state=20261128)``. Strata: the label; for
online_shopping_10_cats the (category, label) pair. Dev rows are never used for training or for
choosing hyper-parameters; choose those on a validation split carved from ``train``
(``validation_split``).

Cross-set leakage guard
-----------------------
The sets overlap: ~4,000 of the 5,722 ChnSentiCorp hotel reviews also occur (up to whitespace) in
online_shopping_10_cats' 酒店 category. So that a model pooled over several sets never trains on a
text that is in *any* set's dev split, every train split drops the rows whose normalised text
(whitespace removed) equals the normalised text of a dev row of any of the four sentiment sets.
``train`` is therefore slightly smaller than ``len(csv) - len(dev)`` for the overlapping sets.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

SEED = 20261128
DEV_FRACTION = 0.10
DEV_MIN, DEV_MAX = 500, 2000

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"

#: dataset name -> (text column, is 3-class)
DATASETS: dict[str, tuple[str, bool]] = {
    "finfe": ("text", True),
    "chnsenticorp_htl": ("review", False),
    "waimai_10k": ("review", False),
    "online_shopping_10_cats": ("review", False),
}
BINARY_SETS = ("chnsenticorp_htl", "waimai_10k", "online_shopping_10_cats")

_WS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Key used for cross-set de-duplication: the text without any whitespace."""
    return _WS.sub("", str(text))


def dev_size(n_rows: int) -> int:
    return int(min(DEV_MAX, max(DEV_MIN, round(DEV_FRACTION * n_rows))))


def load(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The whole shared ``train.csv`` of ``name`` in the column layout described above."""
    text_col, three_class = DATASETS[name]
    path = Path(data_dir or DEFAULT_DATA_DIR) / name / "train.csv"
    raw = pd.read_csv(path)
    df = pd.DataFrame(
        {
            "row": raw.index.to_numpy(),
            "text": raw[text_col].astype(str).to_numpy(),
            "label": raw["label"].astype(int).to_numpy(),
        }
    )
    df["y3"] = df["label"] if three_class else df["label"] * 2
    if "cat" in raw.columns:
        df["cat"] = raw["cat"].astype(str).to_numpy()
    return df


@cache
def _raw_split(name: str, data_dir: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    df = load(name, data_dir)
    strata = df["cat"] + "|" + df["label"].astype(str) if "cat" in df else df["label"]
    train, dev = train_test_split(
        df, test_size=dev_size(len(df)), stratify=strata, random_state=SEED
    )
    return train.sort_values("row").reset_index(drop=True), dev.sort_values("row").reset_index(
        drop=True
    )


@cache
def _all_dev_keys(data_dir: str) -> frozenset[str]:
    keys: set[str] = set()
    for other in DATASETS:
        keys.update(map(normalise, _raw_split(other, data_dir)[1]["text"]))
    return frozenset(keys)


def split(name: str, data_dir: str | Path | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(train, dev)`` for ``name``; see the module docstring for how they are carved."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; choose from {sorted(DATASETS)}")
    data_dir = str(Path(data_dir or DEFAULT_DATA_DIR).resolve())
    train, dev = _raw_split(name, data_dir)
    dev_keys = _all_dev_keys(data_dir)
    keep = ~train["text"].map(normalise).isin(dev_keys)
    return train[keep].reset_index(drop=True).copy(), dev.copy()


def validation_split(
    train: pd.DataFrame, fraction: float = 0.15, seed: int = SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Carve a stratified validation part from a train split (for hyper-parameters/calibration)."""
    strata = train["cat"] + "|" + train["label"].astype(str) if "cat" in train else train["label"]
    fit, val = train_test_split(train, test_size=fraction, stratify=strata, random_state=seed)
    return fit.reset_index(drop=True), val.reset_index(drop=True)


def write_dev_csvs(out: Path, data_dir: str | Path | None = None) -> list[Path]:
    """Write each set's dev split as `<out>/<name>_dev.csv` (text, label) for `voc eval`."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in DATASETS:
        _, dev = split(name, data_dir)
        path = out / f"{name}_dev.csv"
        dev[["text", "label"]].to_csv(path, index=False)
        written.append(path)
    return written


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="write the sentiment dev splits as CSV")
    parser.add_argument("--out", type=Path, default=Path(".voc/dev"))
    parser.add_argument("--data-dir", type=Path, default=None)
    arguments = parser.parse_args()
    for written_path in write_dev_csvs(arguments.out, arguments.data_dir):
        print(written_path)
