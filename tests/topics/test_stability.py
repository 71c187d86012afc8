"""Stable topic ids: refits keep ids of persisting topics and name splits, merges, retirements."""

from __future__ import annotations

import numpy as np

from tests.topics.synthetic import fast_parts, make_data
from voc.models.topics import TopicModel
from voc.topics.stability import align_topics, same_id_share


def _unit(rows: list[list[float]]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_stability_refit_same_data_other_seed_keeps_ids() -> None:
    texts, vectors, _ = make_data()
    old = TopicModel(min_topic_size=10, **fast_parts(0)).fit(texts, vectors)
    # Another seed and another row order: the refit's own numbering differs.
    order = np.random.default_rng(7).permutation(len(texts))
    new = TopicModel(min_topic_size=10, random_state=7, **fast_parts(7)).fit(
        [texts[i] for i in order], vectors[order]
    )
    new_topics = np.empty_like(new.document_topics_)
    new_topics[order] = new.document_topics_
    alignment = align_topics(
        old.topic_ids_,
        old.centroids_,
        new.topic_ids_,
        new.centroids_,
        next_id=100,
        old_assign=old.document_topics_,
        new_assign=new_topics,
    )
    stable = np.asarray([alignment.mapping.get(int(t), -1) for t in new_topics])
    assert same_id_share(old.document_topics_, stable) >= 0.9
    assert alignment.count("kept") == len(old.topic_ids_)
    assert alignment.count("new") == alignment.count("retired") == 0


def test_stability_names_split_merge_new_and_retired() -> None:
    # Old 10 -> new 0 (kept); old 11 -> new 1 + 2 (split); old 12 + 13 -> new 3 (merged);
    # old 14 -> nothing (retired); new 4 has no documents from before (new).
    old_assign = np.asarray([10] * 20 + [11] * 20 + [12] * 10 + [13] * 12 + [14] * 8)
    new_assign = np.asarray([0] * 20 + [1] * 12 + [2] * 8 + [3] * 22 + [-1] * 8)
    old_c = _unit(np.eye(5, 8).tolist())
    new_c = _unit(
        [
            [1, 0, 0, 0, 0, 0, 0, 0],
            [0, 1, 0.2, 0, 0, 0, 0, 0],
            [0, 1, 0, 0, 0, 0, 0.5, 0],
            [0, 0, 0, 1, 1, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0, 1],
        ]
    )
    alignment = align_topics(
        [10, 11, 12, 13, 14],
        old_c,
        [0, 1, 2, 3, 4],
        new_c,
        next_id=20,
        old_assign=old_assign,
        new_assign=new_assign,
    )
    events = {(e.event, e.topic_id): e.related_ids for e in alignment.events}
    assert alignment.mapping[0] == 10 and alignment.mapping[1] == 11
    assert ("split", alignment.mapping[2]) in events and events[
        ("split", alignment.mapping[2])
    ] == [11]
    merged_into = alignment.mapping[3]
    assert merged_into in (12, 13)
    other = 13 if merged_into == 12 else 12
    assert events[("merged", other)] == [merged_into]
    assert ("new", alignment.mapping[4]) in events and alignment.mapping[4] >= 20
    assert ("retired", 14) in events


def test_stability_first_fit_issues_fresh_ids() -> None:
    alignment = align_topics([], np.zeros((0, 3)), [0, 1], _unit([[1, 0, 0], [0, 1, 0]]), next_id=5)
    assert alignment.mapping == {0: 5, 1: 6}
    assert alignment.count("new") == 2


def test_same_id_share_counts_unassigned_on_both_sides_as_kept() -> None:
    assert same_id_share(np.asarray([1, 2, -1, 3]), np.asarray([1, 2, -1, 4])) == 0.75
    assert same_id_share(np.asarray([1, -1]), np.asarray([1, 5]), assigned_only=True) == 1.0
