"""Problem library storage: upsert, filters, links, YAML/CSV round trip."""

from __future__ import annotations

import pytest

from voc.ingest.pipeline import FeedbackPreparer, Ingestor
from voc.problems_io import read_problems, write_problems
from voc.resources import data_path
from voc.schema import Problem
from voc.store.feedback import iter_feedback
from voc.store.problems import (
    case_counts,
    get_problem,
    get_problems,
    link_case,
    linked_cases,
    list_problems,
    update_problem,
    upsert_problem,
)


def test_problems_upsert_keeps_created_at_and_updates_fields(engine) -> None:
    first = upsert_problem(engine, Problem(id="P1", title="转账超时", touchpoint="app_transfer"))
    second = upsert_problem(engine, Problem(id="P1", title="转账超时（8.2.0）", status="mitigated"))
    assert second.title == "转账超时（8.2.0）" and second.status == "mitigated"
    assert second.created_at == first.created_at and second.updated_at >= first.updated_at
    assert update_problem(engine, "P1", {"owner": "支付组"}).owner == "支付组"


def test_problems_filters_and_unknown_id(engine) -> None:
    upsert_problem(engine, Problem(id="P1", title="a", touchpoint="app_transfer"))
    upsert_problem(
        engine, Problem(id="P2", title="b", touchpoint="card_instalment", status="closed")
    )
    assert [p.id for p in list_problems(engine, status="closed")] == ["P2"]
    assert [p.id for p in list_problems(engine, touchpoint="app_transfer")] == ["P1"]
    with pytest.raises(KeyError, match="unknown problem 'P9'"):
        get_problem(engine, "P9")


def test_problems_get_many_in_one_call_leaves_out_unknown_ids(engine) -> None:
    upsert_problem(engine, Problem(id="P1", title="a", touchpoint="app_transfer"))
    upsert_problem(engine, Problem(id="P2", title="b", touchpoint="card_instalment"))
    found = get_problems(engine, ["P2", "P9", "P1"])
    assert {k: v.title for k, v in found.items()} == {"P1": "a", "P2": "b"}
    assert get_problems(engine, []) == {}


def test_problems_link_case_once_and_manual_overrides_auto(engine, settings, tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "ticket_id,opened_at,text\n"
        "T1,2026-10-05 09:00,转账一直转圈\n"
        "T2,2026-10-05 10:00,分期费用高\n",
        encoding="utf-8",
    )
    Ingestor(engine, FeedbackPreparer(settings.pii_salt)).ingest_file(path, "complaint")
    ids = {f.external_id: f.id for f in iter_feedback(engine)}
    upsert_problem(engine, Problem(id="P1", title="转账超时"))
    upsert_problem(engine, Problem(id="P2", title="分期"))
    link_case(engine, "P1", ids["T1"], score=0.93, method="auto")
    link_case(engine, "P1", ids["T1"], score=0.93, method="auto")
    assert case_counts(engine) == {"P1": 1}
    link_case(engine, "P2", ids["T1"], method="manual")
    assert case_counts(engine) == {"P2": 1}
    assert linked_cases(engine, "P2")[0]["text"] == "转账一直转圈"
    with pytest.raises(KeyError, match="unknown feedback id"):
        link_case(engine, "P1", "nope")
    with pytest.raises(ValueError, match="unknown link method"):
        link_case(engine, "P1", ids["T2"], method="magic")


@pytest.mark.parametrize("suffix", [".yaml", ".csv"])
def test_problems_io_round_trip(tmp_path, suffix) -> None:
    shipped = read_problems(data_path("demo", "problems.yaml"))
    assert len(shipped) >= 25
    out = tmp_path / f"p{suffix}"
    write_problems(out, shipped)
    assert [p.model_dump() for p in read_problems(out)] == [p.model_dump() for p in shipped]


def test_problems_io_bad_row_names_where(tmp_path) -> None:
    bad = tmp_path / "p.yaml"
    bad.write_text("problems:\n  - {id: P1, title: ok}\n  - {id: P2, title: x, status: weird}\n")
    with pytest.raises(ValueError, match=r"problems\[1\]"):
        read_problems(bad)
