"""Similar cases over HTTP: matched problem, masked past cases, filters, freshness after ingest."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from tests.api.helpers import assert_error
from voc.store.api_tables import jobs
from voc.store.search_tables import problem_matches

PHONE = "13812345678"
ID_CARD = "11010519491231002X"
PROBLEMS = [
    {
        "id": "P-SIM-TRANSFER",
        "title": "手机银行转账闪退",
        "description": "升级新版本后，点击转账确认就闪退，转账无法完成",
        "touchpoint": "app_transfer",
        "root_cause": "新版安全键盘与部分机型不兼容",
        "fix": "升级到修复版本；临时可用网银转账",
    },
    {
        "id": "P-SIM-INSTALMENT",
        "title": "信用卡分期手续费不透明",
        "description": "分期手续费按最初本金计算，和宣传的费率对不上",
        "touchpoint": "card_instalment",
        "root_cause": "营销话术只说月费率",
        "fix": "按标准话术解释实际年化利率",
    },
]
COMPLAINTS = [
    {
        "ticket_id": "T-SIM-1",
        "opened_at": "2026-10-08 09:00",
        "closed_at": "2026-10-08 15:00",
        "status": "closed",
        "text": f"升级以后转账一点确认就闪退，试了好几次都转不出去，电话{PHONE}",
        "resolution": "已指导客户升级到修复版本，客户确认可以转账",
    },
    {
        "ticket_id": "T-SIM-2",
        "opened_at": "2026-10-20 10:00",
        "status": "open",
        "text": "手机银行转账页面闪退，钱转不出去，很着急",
    },
    {
        "ticket_id": "T-SIM-3",
        "opened_at": "2026-09-02 11:00",
        "closed_at": "2026-09-03 11:00",
        "status": "closed",
        "text": "信用卡分期的手续费比业务员说的高很多，感觉被骗了",
        "resolution": "已解释手续费计算方式并减免一期手续费",
    },
]
SURVEY = [{"submitted_at": "2026-10-09 12:00", "csat": 1, "text": "转账老是闪退，体验很差"}]
QUERY = f"转账一点确认就闪退，钱转不出去，我的手机{PHONE}，身份证{ID_CARD}"


@pytest.fixture(scope="module")
def live(own_live):
    """This module's own store, so problems and cases of other modules do not compete."""
    return own_live


@pytest.fixture(scope="module")
def stocked(live) -> dict[str, list[str]]:
    """Problems created over HTTP, then complaints and a survey answer ingested over HTTP."""
    with live.client("admin") as admin, live.client("ingest") as ingest:
        for problem in PROBLEMS:
            assert admin.post("/v1/problems", json=problem).status_code == 201
        batch = {"source": "complaint", "records": COMPLAINTS}
        complaints = ingest.post("/v1/feedback", json=batch)
        survey = ingest.post("/v1/feedback", json={"source": "survey", "records": SURVEY})
    assert complaints.status_code == 200, complaints.text
    assert survey.status_code == 200, survey.text
    assert complaints.json()["analysed"] == 3 and survey.json()["analysed"] == 1
    return {"complaint": complaints.json()["ids"], "survey": survey.json()["ids"]}


def _similar(live, **body) -> dict:
    with live.client("handler") as client:
        response = client.post("/v1/similar", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def test_similar_returns_the_matching_problem_and_masked_cases(live, stocked) -> None:
    body = _similar(live, text=QUERY, k=3)
    problem = body["problem"]
    assert problem["id"] == "P-SIM-TRANSFER"
    assert problem["root_cause"] == "新版安全键盘与部分机型不兼容" and problem["status"] == "open"
    assert problem["matched"] == (problem["score"] >= live.settings.link_threshold)
    assert all(p["id"] != "P-SIM-TRANSFER" for p in body["problem_alternatives"])
    assert 1 <= len(body["cases"]) <= 3
    top = body["cases"][0]
    assert top["feedback_id"] in stocked["complaint"] + stocked["survey"]
    assert "闪退" in top["text"]
    closed = next(c for c in body["cases"] if c["status"] == "closed")
    assert "[手机号]" in closed["text"] and closed["resolution"].startswith("已指导客户")
    assert [c["rank_score"] for c in body["cases"]] == sorted(
        (c["rank_score"] for c in body["cases"]), reverse=True
    )


def test_similar_never_returns_personal_data(live, stocked) -> None:
    body = _similar(live, text=QUERY, k=10)
    shown = json.dumps(body, ensure_ascii=False)
    assert PHONE not in shown and ID_CARD not in shown
    assert "[手机号]" in body["query"] and "[身份证]" in body["query"]


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        ({"source": "survey"}, lambda c: c["source"] == "survey"),
        ({"source": "complaint"}, lambda c: c["source"] == "complaint"),
        ({"status": "open"}, lambda c: c["status"] == "open"),
        ({"touchpoint": "card_instalment"}, lambda c: c["touchpoint"] == "card_instalment"),
        (
            {"since": "2026-10-01", "until": "2026-10-15"},
            lambda c: "2026-10-01" <= c["created_at"][:10] < "2026-10-15",
        ),
    ],
    ids=["source-survey", "source-complaint", "status", "touchpoint", "dates"],
)
def test_similar_filters_cases(live, stocked, filters, check) -> None:
    cases = _similar(live, text=QUERY, k=10, **filters)["cases"]
    assert cases, filters
    assert all(check(c) for c in cases), cases


def test_similar_status_filter_finds_the_closed_ticket(live, stocked) -> None:
    cases = _similar(live, text=QUERY, k=10, status="closed", source="complaint")["cases"]
    texts = [c["text"] for c in cases]
    assert any("转账一点确认就闪退" in t for t in texts)
    assert all(c["status"] == "closed" and c["resolution"] for c in cases)


def test_similar_ingested_complaint_is_found_and_linked_at_once(live, stocked) -> None:
    record = {
        "ticket_id": "T-SIM-FRESH",
        "opened_at": "2026-11-02 09:00",
        "status": "open",
        "text": "信用卡分期手续费扣得比短信通知多，要求退还多扣的手续费",
    }
    with live.client("ingest") as client:
        result = client.post("/v1/feedback", json={"source": "complaint", "records": [record]})
    (new_id,) = result.json()["ids"]
    body = _similar(live, text="分期手续费多扣了，要求退款", k=5, since="2026-11-01")
    assert [c["feedback_id"] for c in body["cases"]] == [new_id]
    assert body["problem"]["id"] == "P-SIM-INSTALMENT"
    with live.engine.connect() as connection:
        match = connection.execute(
            select(problem_matches).where(problem_matches.c.feedback_id == new_id)
        ).one()
    assert match.problem_id == "P-SIM-INSTALMENT"
    assert match.matched == (match.score >= live.settings.link_threshold)


def test_similar_new_problem_is_matchable_at_once(live, stocked) -> None:
    text = "网点叫号机坏了，排队等了两个小时也没人管"
    before = _similar(live, text=text, k=1)["problem"]
    problem = {
        "id": "P-SIM-BRANCH-QUEUE",
        "title": "网点叫号机故障导致排队过久",
        "description": "网点叫号机坏了，客户排队等候时间过长无人引导",
    }
    with live.client("admin") as admin:
        assert admin.post("/v1/problems", json=problem).status_code == 201
    after = _similar(live, text=text, k=1)["problem"]
    assert before["id"] != "P-SIM-BRANCH-QUEUE" and after["id"] == "P-SIM-BRANCH-QUEUE"
    with live.client("handler") as handler:
        change = {"title": "网点叫号系统故障", "status": "closed"}
        renamed = handler.patch("/v1/problems/P-SIM-BRANCH-QUEUE", json=change)
    assert renamed.status_code == 200, renamed.text
    again = _similar(live, text=text, k=1)["problem"]
    assert again["title"] == "网点叫号系统故障" and again["status"] == "closed"


def test_similar_analyze_includes_the_nearest_problem(live, stocked) -> None:
    with live.client("handler") as client:
        body = client.post("/v1/analyze", json={"text": QUERY}).json()
    problem = body["problem"]
    assert problem["id"] == "P-SIM-TRANSFER" and problem["title"] == "手机银行转账闪退"
    assert problem["matched"] == (problem["score"] >= live.settings.link_threshold)
    assert PHONE not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "   \n "},
        {"text": "转账闪退", "k": 0},
        {"text": "转账闪退", "k": 51},
        {"text": "转账闪退", "since": "not a date"},
        {"text": "转账闪退", "source": "fax"},
        {"text": "转账闪退", "colour": "red"},
        {},
    ],
    ids=["empty", "blank", "k0", "k51", "bad-date", "bad-source", "extra-field", "no-text"],
)
def test_similar_rejects_bad_requests_in_the_one_shape(live, body) -> None:
    with live.client("handler") as client:
        response = client.post("/v1/similar", json=body)
    assert_error(response, 422, "validation_error")


def test_similar_uploaded_file_is_searchable_when_its_job_is_done(live, stocked) -> None:
    csv = (
        "ticket_id,opened_at,status,text,resolution\n"
        "T-SIM-UP-1,2026-11-20 09:00,closed,理财产品赎回到账太慢，等了五天,已加急处理\n"
    )
    with live.client("ingest") as client:
        job = client.post(
            "/v1/feedback/files",
            files={"file": ("tickets.csv", csv.encode())},
            data={"source": "complaint"},
        ).json()
    assert job["status"] == "done" and job["result"]["analysed"] == 1, job
    cases = _similar(live, text="理财赎回到账慢", k=3, since="2026-11-15")["cases"]
    assert [c["text"] for c in cases] == ["理财产品赎回到账太慢，等了五天"]
    assert cases[0]["resolution"] == "已加急处理"


def _match_versions(live) -> set[str]:
    with live.engine.connect() as connection:
        return set(connection.scalars(select(problem_matches.c.version).distinct()))


def _wait_for_jobs(live, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    busy = jobs.c.status.in_(("queued", "running"))
    while True:
        with live.engine.connect() as connection:
            if not connection.scalar(select(jobs.c.id).where(busy).limit(1)):
                return
        assert time.monotonic() < deadline, "jobs still running"
        time.sleep(0.1)


def test_similar_library_change_relinks_stored_items_in_a_job(live, stocked) -> None:
    _wait_for_jobs(live)
    (old,) = _match_versions(live)
    problem = {"id": "P-SIM-RELINK", "title": "理财收益低于宣传", "description": "实际收益偏低"}
    with live.client("admin") as admin:
        assert admin.post("/v1/problems", json=problem).status_code == 201
        with live.engine.connect() as connection:
            rows = connection.execute(select(jobs).where(jobs.c.kind == "relink")).fetchall()
        (job_id,) = [r.id for r in rows if r.params == {"problem": problem["id"]}]
        deadline = time.monotonic() + 60
        while (job := admin.get(f"/v1/jobs/{job_id}").json())["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
    assert job["status"] == "done" and job["result"]["checked"] >= 4, job
    (new,) = _match_versions(live)
    assert new != old


def test_similar_search_off_answers_503_and_scores_still_serve(tmp_path, components) -> None:
    """A dashboard-only instance (VOC_API_SIMILAR_SEARCH=false) loads no case index."""
    from tests.api.conftest import serve

    with (
        serve(tmp_path, components, similar_search=False) as server,
        server.client("handler") as client,
    ):
        similar = client.post("/v1/similar", json={"text": "转账一直失败"})
        scores = client.get("/v1/touchpoints/scores")
    assert similar.status_code == 503
    assert similar.json()["error"]["message"] == "similar-case search is not loaded"
    assert scores.status_code == 200
