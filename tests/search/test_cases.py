"""The on-disk case index: build, sync with the store, corrupt rebuild, encoder refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, update

from tests.search.conftest import add_analysed
from voc.search.cases import CaseIndex, case_index_path
from voc.search.index import IndexMismatchError, as_ids
from voc.store.tables import analyses, feedback
from voc.text.segment import make_segmenter


def _open(settings, engine, encoder, name: str | None = None) -> CaseIndex:  # type: ignore[no-untyped-def]
    return CaseIndex(
        engine,
        case_index_path(settings.home),
        name or encoder.name,
        encoder.dim,
        tokenizer=make_segmenter("jieba").tokens,
    ).open()


def test_case_index_builds_on_disk_and_finds_the_nearest_case(settings, engine, encoder) -> None:
    wanted = add_analysed(engine, encoder, "手机银行转账失败提示系统繁忙")
    add_analysed(engine, encoder, "信用卡年费太贵")
    cases = _open(settings, engine, encoder)
    assert case_index_path(settings.home).is_file()
    hits = cases.search(encoder.encode(["转账失败系统繁忙"])[0], "转账失败系统繁忙", k=1)
    assert hits[0][0] == wanted


def test_case_index_sync_adds_new_and_drops_deleted_items(settings, engine, encoder) -> None:
    first = add_analysed(engine, encoder, "网点排队一个小时")
    cases = _open(settings, engine, encoder)
    second = add_analysed(engine, encoder, "客服电话一直打不通")
    with engine.begin() as connection:
        connection.execute(delete(feedback).where(feedback.c.id == first))
    assert cases.sync() == (1, 1)
    reopened = _open(settings, engine, encoder)
    assert len(reopened.index) == 1
    hits = reopened.search(encoder.encode(["客服电话打不通"])[0], "客服电话打不通", k=5)
    assert [h[0] for h in hits] == [second]


def test_case_index_sync_replaces_vectors_of_items_analysed_again(
    settings, engine, encoder
) -> None:
    """A re-analysis (new models or pooling) changes an item's stored vector in place; the
    index must follow, not keep the old vector under the same id."""
    item = add_analysed(engine, encoder, "网点排队一个小时")
    for n in range(9):
        add_analysed(engine, encoder, f"信用卡年费太贵第{n}次")
    cases = _open(settings, engine, encoder)
    new_vector = encoder.encode(["手机银行转账失败提示系统繁忙"])[0]
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    with engine.begin() as connection:
        connection.execute(
            update(analyses)
            .where(analyses.c.feedback_id == item)
            .values(embedding=new_vector.tobytes(), analysed_at=later)
        )
    assert cases.sync() == (1, 0)
    assert cases.sync() == (0, 0)  # the index remembers how far it is in step
    scores, keys = _open(settings, engine, encoder).index.search(new_vector, k=1)
    assert keys[0, 0] == as_ids([item])[0] and scores[0, 0] > 0.99


def test_case_index_rebuilds_when_most_items_were_analysed_again(settings, engine, encoder) -> None:
    """A store-wide re-analysis (a model or pooling upgrade) rebuilds instead of leaving a
    tombstone per item."""
    ids = [add_analysed(engine, encoder, f"客服电话打不通第{n}次") for n in range(10)]
    cases = _open(settings, engine, encoder)
    later = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=1)
    with engine.begin() as connection:
        connection.execute(update(analyses).values(analysed_at=later))
    assert cases.sync() == (10, 0)
    assert len(cases.index) == 10 and cases.index.dead_fraction == 0.0
    assert set(cases.index.ids().tolist()) == set(as_ids(ids).tolist())


def test_case_index_rebuilds_a_corrupt_file(settings, engine, encoder) -> None:
    add_analysed(engine, encoder, "贷款审批太慢")
    _open(settings, engine, encoder)
    path = case_index_path(settings.home)
    path.write_bytes(b"not a faiss index")
    assert len(_open(settings, engine, encoder).index) == 1


def test_case_index_refuses_an_index_built_by_another_encoder(settings, engine, encoder) -> None:
    add_analysed(engine, encoder, "贷款审批太慢")
    _open(settings, engine, encoder)
    with pytest.raises(IndexMismatchError):
        _open(settings, engine, encoder, name="another-encoder")
