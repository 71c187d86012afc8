"""Map a clause to a customer-journey touchpoint: keywords + embedding similarity, or none.

The taxonomy is a YAML file users edit (`data/taxonomy/touchpoints.yaml`); its content hash
is part of the classifier version, so an edited taxonomy re-classifies on the next run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voc.models.encoders import Encoder
from voc.resources import data_path

STAGES = ("接触", "转化", "留存", "推荐")
NONE = "none"


@dataclass(frozen=True)
class Touchpoint:
    """One step of the customer journey."""

    id: str
    name: str
    stage: str
    description: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The touchpoints plus a content hash that versions them."""

    touchpoints: tuple[Touchpoint, ...]
    digest: str
    none_examples: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        """Touchpoint ids in file order."""
        return [t.id for t in self.touchpoints]

    def get(self, touchpoint_id: str) -> Touchpoint:
        """The touchpoint with this id, failing with the valid ids."""
        for touchpoint in self.touchpoints:
            if touchpoint.id == touchpoint_id:
                return touchpoint
        raise KeyError(f"unknown touchpoint {touchpoint_id!r}; valid: {self.ids}")


def default_taxonomy_path() -> Path:
    """The shipped taxonomy."""
    return data_path("taxonomy", "touchpoints.yaml")


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Read and validate a taxonomy file; errors name the item and field at fault."""
    import yaml

    path = path or default_taxonomy_path()
    raw = path.read_bytes()
    data = yaml.safe_load(raw)
    items = data.get("touchpoints") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ValueError(f"{path}: expected a 'touchpoints' list")
    touchpoints = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        where = f"{path}: touchpoints[{index}]"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected a mapping")
        missing = [k for k in ("id", "name", "stage", "description") if not item.get(k)]
        if missing:
            raise ValueError(f"{where}: missing {missing}")
        if item["id"] in seen or item["id"] == NONE:
            raise ValueError(f"{where}: id {item['id']!r} is reserved or used twice")
        if item["stage"] not in STAGES:
            raise ValueError(f"{where}: stage {item['stage']!r}; valid: {list(STAGES)}")
        seen.add(item["id"])
        raw_keywords = item.get("keywords") or []
        if not isinstance(raw_keywords, list):
            raise ValueError(f"{where}: keywords must be a list, got {raw_keywords!r}")
        keywords = tuple(str(k).strip() for k in raw_keywords if str(k).strip())
        touchpoints.append(
            Touchpoint(
                id=str(item["id"]),
                name=str(item["name"]),
                stage=str(item["stage"]),
                description=" ".join(str(item["description"]).split()),
                keywords=keywords,
            )
        )
    none_raw = data.get("none_examples") or []
    if not isinstance(none_raw, list):
        raise ValueError(f"{path}: none_examples must be a list, got {none_raw!r}")
    none_examples = tuple(str(x).strip() for x in none_raw if str(x).strip())
    return Taxonomy(tuple(touchpoints), hashlib.sha1(raw).hexdigest()[:12], none_examples)


@dataclass(frozen=True, slots=True)
class TouchpointMatch:
    """The chosen touchpoint (`none` when nothing fits well enough) and its score in [0, 1]."""

    touchpoint: str
    score: float


class TouchpointClassifier:
    """Keywords first, embedding similarity to the descriptions second, else `none`.

    A clause without a keyword is also `none` when it is at least as close to one of the
    taxonomy's `none_examples` (greetings, thanks, call fillers, verdicts naming no part of
    the journey) as to its best touchpoint: those short utterances sit near everything in
    embedding space, so a similarity floor alone lets them through.

    Args:
        encoder: embeds clauses and the touchpoint descriptions (same space).
        keyword_weight: bonus added to a touchpoint's similarity per matched keyword
            character share, so an explicit keyword beats a vague semantic neighbour.
        min_similarity: below this cosine and with no keyword, the answer is `none`. The
            default 0.90 sits in the middle of the plateau (0.88-0.91) measured on the demo
            corpus with e5-small query embeddings; other encoders need their own value.
    """

    name = "voc.touchpoints.v1"

    def __init__(
        self, encoder: Encoder, keyword_weight: float = 0.15, min_similarity: float = 0.90
    ) -> None:
        self.encoder = encoder
        self.keyword_weight = keyword_weight
        self.min_similarity = min_similarity

    def fit(self, taxonomy: Taxonomy) -> TouchpointClassifier:
        """Embed every touchpoint's description and keywords as its prototypes."""
        texts: list[str] = []
        owners: list[int] = []
        for index, touchpoint in enumerate(taxonomy.touchpoints):
            for text in (f"{touchpoint.name}：{touchpoint.description}", *touchpoint.keywords):
                texts.append(text)
                owners.append(index)
        self.taxonomy_ = taxonomy
        self.prototypes_ = self.encoder.encode(texts, kind="query")
        self.owners_ = np.asarray(owners)
        self.keyword_owners_: dict[str, list[int]] = {}
        for index, touchpoint in enumerate(taxonomy.touchpoints):
            for keyword in {k.lower() for k in touchpoint.keywords}:
                self.keyword_owners_.setdefault(keyword, []).append(index)
        self.keyword_lengths_ = sorted({len(k) for k in self.keyword_owners_})
        dim = self.prototypes_.shape[1]
        examples = list(taxonomy.none_examples)
        self.none_prototypes_ = (
            self.encoder.encode(examples, kind="query")
            if examples
            else np.zeros((0, dim), dtype=np.float32)
        )
        self.version_ = (
            f"{self.name}+{taxonomy.digest}+kw{self.keyword_weight:g}+min{self.min_similarity:g}"
        )
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "prototypes_"):
            raise RuntimeError("TouchpointClassifier is not fitted; call fit(taxonomy) first")

    def keyword_scores(self, text: str) -> np.ndarray:
        """Per touchpoint: share of the text's characters covered by its keywords (0..1).

        Looks up the text's substrings of each keyword length in one dict instead of testing
        every keyword against the text: ~120 lookups for a short clause, not ~600 scans.
        """
        self._check_fitted()
        lowered = text.lower()
        found: set[str] = set()
        for length in self.keyword_lengths_:
            for start in range(len(lowered) - length + 1):
                piece = lowered[start : start + length]
                if piece in self.keyword_owners_:
                    found.add(piece)
        covered = np.zeros(len(self.taxonomy_.touchpoints), dtype=np.float32)
        for keyword in found:
            for index in self.keyword_owners_[keyword]:
                covered[index] += len(keyword)
        return np.minimum(1.0, covered / max(4, len(text))).astype(np.float32)

    def similarities(self, embeddings: np.ndarray) -> np.ndarray:
        """Per text and touchpoint: best cosine over that touchpoint's prototypes."""
        self._check_fitted()
        cosine = embeddings @ self.prototypes_.T
        n_touchpoints = len(self.taxonomy_.touchpoints)
        best = np.full((len(embeddings), n_touchpoints), -1.0, dtype=np.float32)
        for index in range(n_touchpoints):
            best[:, index] = cosine[:, self.owners_ == index].max(axis=1)
        return best

    def predict(
        self, texts: list[str], embeddings: np.ndarray | None = None
    ) -> list[TouchpointMatch]:
        """Best touchpoint per text; pass `embeddings` (kind="query") to skip re-encoding."""
        self._check_fitted()
        if embeddings is None:
            embeddings = self.encoder.encode(texts, kind="query")
        similarity = self.similarities(embeddings)
        none_similarity = (
            (embeddings @ self.none_prototypes_.T).max(axis=1)
            if len(self.none_prototypes_)
            else np.full(len(texts), -1.0, dtype=np.float32)
        )
        matches = []
        for row, text in enumerate(texts):
            keywords = self.keyword_scores(text)
            combined = similarity[row] + self.keyword_weight * (keywords > 0) + keywords * 0.1
            best = int(np.argmax(combined))
            unrelated = none_similarity[row] >= similarity[row, best]
            if keywords[best] == 0 and (similarity[row, best] < self.min_similarity or unrelated):
                matches.append(TouchpointMatch(NONE, float(similarity[row, best])))
                continue
            touchpoint = self.taxonomy_.touchpoints[best].id
            matches.append(TouchpointMatch(touchpoint, float(min(1.0, combined[best]))))
        return matches
