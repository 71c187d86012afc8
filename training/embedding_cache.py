"""Embeddings of training/dev texts, cached as .npy files outside the repository.

Rows are aligned with the texts passed in; the cache key names the dataset part, the
encoder, the kind and the truncation, so a change of any of them recomputes.
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path

import numpy as np

from voc.models.encoders import Encoder

DEFAULT_CACHE_DIR = Path(".voc") / "training-cache"


def cached_embeddings(
    encoder: Encoder,
    key: str,
    texts: list[str],
    cache_dir: Path = DEFAULT_CACHE_DIR,
    kind: str = "query",
    truncate: int = 256,
    chunk: int = 500,
) -> np.ndarray:
    """Embed `texts` (each cut to `truncate` characters), resuming from partial chunks."""
    digest = hashlib.sha1("\x1f".join(texts).encode()).hexdigest()[:8]
    stem = f"{key}_{encoder.name}_{kind}_t{truncate}_{digest}"
    path = cache_dir / f"{stem}.npy"
    if path.exists():
        return np.load(path)
    parts_dir = cache_dir / f"{stem}.parts"
    parts_dir.mkdir(parents=True, exist_ok=True)
    parts = []
    start_time = time.perf_counter()
    for index, start in enumerate(range(0, len(texts), chunk)):
        part = parts_dir / f"{index:05d}.npy"
        if not part.exists():
            batch = [t[:truncate] for t in texts[start : start + chunk]]
            np.save(part, encoder.encode(batch, kind=kind))  # type: ignore[arg-type]
            done = min(start + chunk, len(texts))
            rate = done / (time.perf_counter() - start_time)
            print(f"  {key}: {done}/{len(texts)} ({rate:.1f} texts/s)", file=sys.stderr)
        parts.append(np.load(part))
    vectors = np.vstack(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)
    np.save(path, vectors)
    for part in parts_dir.iterdir():
        part.unlink()
    parts_dir.rmdir()
    return vectors
