"""Pre-compute (cache) the encoder embeddings the sentiment training and evaluation need.

Usage: python -m training.embed_all [--data-dir ../shared/data] [--threads 1]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from training.embedding_cache import DEFAULT_CACHE_DIR, cached_embeddings
from training.sentiment_data import training_frames
from voc.models.encoders import E5SmallQ4Encoder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--only", nargs="*", help="dataset names (default: all)")
    args = parser.parse_args()
    encoder = E5SmallQ4Encoder(threads=args.threads)
    frames = training_frames(args.data_dir)
    order = ["finfe", "waimai_10k", "chnsenticorp_htl", "online_shopping_10_cats"]
    for name in args.only or order:
        train, dev = frames[name]
        for part, frame in (("dev", dev), ("train", train)):
            cached_embeddings(encoder, f"{name}_{part}", frame["text"].tolist(), args.cache_dir)


if __name__ == "__main__":
    main()
