"""Keep topic ids stable across refits: match new topics to old ones, record what happened.

A refit clusters from scratch, so its topic numbers mean nothing. Each new topic is matched
to an old one by the documents they share (Jaccard overlap) and by centroid cosine; the best
one-to-one matching (Hungarian) keeps the old id and label. What is left over is named:
- `split`: a new topic made mostly of an old topic's documents that kept its id elsewhere;
- `merged`: an old topic whose documents went mostly into a topic that kept another id;
- `new` / `retired`: no counterpart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KEPT, NEW, SPLIT, MERGED, RETIRED = "kept", "new", "split", "merged", "retired"
EVENTS = (KEPT, NEW, SPLIT, MERGED, RETIRED)


@dataclass
class TopicEvent:
    """One line of `topic_history`."""

    event: str
    topic_id: int
    related_ids: list[int]
    detail: dict = field(default_factory=dict)


@dataclass
class Alignment:
    """New model topic -> stable id, plus the history events of this refit."""

    mapping: dict[int, int]
    events: list[TopicEvent]

    def count(self, event: str) -> int:
        """How many events of one kind."""
        return sum(e.event == event for e in self.events)


def _overlap(
    old_ids: list[int], new_ids: list[int], old_assign: np.ndarray, new_assign: np.ndarray
) -> np.ndarray:
    """Documents in old topic i and new topic j (only documents both fits saw)."""
    index_old = {t: i for i, t in enumerate(old_ids)}
    index_new = {t: j for j, t in enumerate(new_ids)}
    counts = np.zeros((len(old_ids), len(new_ids)), dtype=np.int64)
    for a, b in zip(old_assign.tolist(), new_assign.tolist(), strict=True):
        if a in index_old and b in index_new:
            counts[index_old[a], index_new[b]] += 1
    return counts


def align_topics(
    old_ids: list[int],
    old_centroids: np.ndarray,
    new_ids: list[int],
    new_centroids: np.ndarray,
    *,
    next_id: int,
    old_assign: np.ndarray | None = None,
    new_assign: np.ndarray | None = None,
    min_jaccard: float = 0.3,
    min_similarity: float = 0.95,
    majority: float = 0.5,
) -> Alignment:
    """Map the new fit's topics onto stable ids.

    Args:
        old_ids, old_centroids: the previous model's stable ids and unit centroids.
        new_ids, new_centroids: the refit's own topic ids and unit centroids.
        next_id: first id never issued before (new and split topics count up from it).
        old_assign, new_assign: per shared document, its old stable id and its new topic
            (-1 = none); without them only centroids are compared.
        min_jaccard: document overlap at or above which two topics are the same topic.
        min_similarity: centroid cosine at or above which two topics are the same topic.
        majority: share of a topic's documents that makes a split or a merge.
    """
    from scipy.optimize import linear_sum_assignment

    k_old, k_new = len(old_ids), len(new_ids)
    if k_old == 0:
        mapping = {t: next_id + j for j, t in enumerate(new_ids)}
        return Alignment(mapping, [TopicEvent(NEW, mapping[t], []) for t in new_ids])
    sims = np.asarray(new_centroids) @ np.asarray(old_centroids).T  # [new, old]
    sims = sims.T  # [old, new]
    if old_assign is not None and new_assign is not None:
        counts = _overlap(old_ids, new_ids, np.asarray(old_assign), np.asarray(new_assign))
    else:
        counts = np.zeros((k_old, k_new), dtype=np.int64)
    old_n = counts.sum(axis=1, keepdims=True)
    new_n = counts.sum(axis=0, keepdims=True)
    union = old_n + new_n - counts
    jaccard = np.divide(counts, union, out=np.zeros(counts.shape), where=union > 0)
    same = (jaccard >= min_jaccard) | (sims >= min_similarity)
    score = np.where(same, jaccard + 0.5 * sims, -1.0)
    rows, cols = linear_sum_assignment(-score)
    mapping: dict[int, int] = {}
    events: list[TopicEvent] = []
    matched_old: set[int] = set()
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if score[i, j] < 0:
            continue
        mapping[new_ids[j]] = old_ids[i]
        matched_old.add(i)
        events.append(
            TopicEvent(
                KEPT,
                old_ids[i],
                [],
                {"jaccard": round(float(jaccard[i, j]), 3), "cosine": round(float(sims[i, j]), 3)},
            )
        )
    issued = next_id
    for j, topic in enumerate(new_ids):
        if topic in mapping:
            continue
        mapping[topic] = issued
        issued += 1
        source = int(counts[:, j].argmax()) if new_n[0, j] else -1
        share = counts[source, j] / new_n[0, j] if source >= 0 else 0.0
        if source >= 0 and share >= majority and source in matched_old:
            events.append(
                TopicEvent(SPLIT, mapping[topic], [old_ids[source]], {"share": round(share, 3)})
            )
        else:
            events.append(TopicEvent(NEW, mapping[topic], []))
    for i, topic in enumerate(old_ids):
        if i in matched_old:
            continue
        target = int(counts[i].argmax()) if old_n[i, 0] else -1
        share = counts[i, target] / old_n[i, 0] if target >= 0 else 0.0
        if target >= 0 and share >= majority:
            events.append(
                TopicEvent(MERGED, topic, [mapping[new_ids[target]]], {"share": round(share, 3)})
            )
        else:
            events.append(TopicEvent(RETIRED, topic, []))
    return Alignment(mapping, events)


def same_id_share(old: np.ndarray, new: np.ndarray, assigned_only: bool = False) -> float:
    """Share of documents whose stable id is unchanged (-1 on both sides counts as kept).

    With `assigned_only`, only documents that had a topic before are counted.
    """
    old, new = np.asarray(old), np.asarray(new)
    if assigned_only:
        keep = old != -1
        old, new = old[keep], new[keep]
    return float((old == new).mean()) if len(old) else 1.0
