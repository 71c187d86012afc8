"""Feedback in over HTTP: same pipeline as the CLI (masking, dedupe, rejects), then analysis."""

from __future__ import annotations

import json
import time

from sqlalchemy import func, select

from tests.api.helpers import assert_error
from voc.store.api_tables import audit_log
from voc.store.tables import analyses, clauses, feedback

PHONE = "13812345678"
ID_CARD = "11010519491231002X"


def _stored(engine, ids: list[str]) -> list:
    with engine.connect() as connection:
        return connection.execute(select(feedback).where(feedback.c.id.in_(ids))).fetchall()


def test_feedback_masks_pii_in_store_and_responses(live) -> None:
    text = f"转账失败，我的手机{PHONE}，身份证{ID_CARD}，请回电"
    batch = {
        "source": "complaint",
        "records": [
            {"ticket_id": "T-PII-1", "opened_at": "2026-10-07 09:00", "text": text},
        ],
    }
    with live.client("ingest") as client:
        result = client.post("/v1/feedback", json=batch).json()
    with live.client("handler") as client:
        adhoc = client.post("/v1/analyze", json={"text": text}).json()
    assert result["stored"] == 1 and result["analysed"] == 1
    (row,) = _stored(live.engine, result["ids"])
    assert "[手机号]" in row.text and "[身份证]" in row.text
    for shown in (row.text, json.dumps(adhoc, ensure_ascii=False)):
        assert PHONE not in shown and ID_CARD not in shown
    assert "[手机号]" in adhoc["text"] and "[身份证]" in adhoc["text"]
    with live.engine.connect() as connection:
        clause_texts = connection.scalars(
            select(clauses.c.text).where(clauses.c.feedback_id == row.id)
        ).all()
        audit_rows = connection.execute(select(audit_log)).fetchall()
    assert clause_texts and not any(PHONE in t for t in clause_texts)
    assert not any(PHONE in str(tuple(r)) for r in audit_rows)


def test_feedback_analyze_returns_sentiment_and_touchpoints(live) -> None:
    with live.client("handler") as client:
        body = client.post("/v1/analyze", json={"text": "分期手续费太高了。但是客服很耐心"}).json()
    probabilities = body["sentiment"]["probabilities"]
    assert abs(sum(probabilities.values()) - 1) < 1e-3
    assert body["sentiment"]["label"] in probabilities
    assert [c["text"] for c in body["clauses"]] == ["分期手续费太高了。", "但是客服很耐心"]
    assert body["clauses"][0]["touchpoint"]["id"] == "card_instalment"
    assert body["clauses"][0]["sentiment"]["label"] == "negative"
    assert set(body["versions"]) == {"sentiment", "touchpoints", "encoder"}


def test_feedback_analyze_stores_nothing(live) -> None:
    def counts() -> tuple[int, ...]:
        with live.engine.connect() as connection:
            return tuple(
                connection.scalar(select(func.count()).select_from(t))
                for t in (feedback, analyses, clauses)
            )

    before = counts()
    with live.client("handler") as client:
        assert client.post("/v1/analyze", json={"text": "网银转账一直不到账"}).status_code == 200
    assert counts() == before


def test_feedback_repost_does_not_duplicate(live) -> None:
    batch = {
        "source": "app_review",
        "records": [
            {"review_id": "R-DUP-1", "created_at": "2026-10-09 08:30", "rating": 1,
             "text": "升级以后转账老是闪退"},
            {"review_id": "R-DUP-2", "created_at": "2026-10-09 08:31", "rating": 5,
             "text": "转账秒到账，好评"},
        ],
    }  # fmt: skip
    with live.client("ingest") as client:
        first = client.post("/v1/feedback", json=batch).json()
        second = client.post("/v1/feedback", json=batch).json()
    assert (first["stored"], first["duplicates"], first["analysed"]) == (2, 0, 2)
    assert (second["stored"], second["duplicates"], second["analysed"]) == (0, 2, 0)
    assert second["ids"] == []
    assert len(_stored(live.engine, first["ids"])) == 2


def test_feedback_rejects_carry_index_and_reason(live) -> None:
    batch = {
        "source": "survey",
        "records": [
            {"response_id": "S-R-1", "submitted_at": "2026-10-05 10:00", "text": "挺好"},
            {"response_id": "S-R-2", "submitted_at": "2026-10-05 10:00", "csat": 9, "text": "差"},
            {"response_id": "S-R-3", "text": "没有日期"},
            {"提交时间": "2026-10-05 11:00", "满意度": 4, "意见": "中文列名也可以"},
        ],
    }
    with live.client("ingest") as client:
        body = client.post("/v1/feedback", json=batch).json()
    assert (body["read"], body["stored"], body["rejected"]) == (4, 2, 2)
    assert [r["index"] for r in body["rejects"]] == [1, 2]
    assert "csat" in body["rejects"][0]["reason"]
    assert "submitted_at" in body["rejects"][1]["reason"]


def test_feedback_mapping_names_columns(live) -> None:
    batch = {
        "source": "survey",
        "mapping": {"columns": {"submitted_at": "填写时间", "text": ["Q3_意见", "Q4_建议"]}},
        "records": [{"填写时间": "2026-10-06 12:00", "Q3_意见": "排队太久", "Q4_建议": "多开窗口"}],
    }
    with live.client("ingest") as client:
        body = client.post("/v1/feedback", json=batch).json()
    assert body["stored"] == 1
    text = _stored(live.engine, body["ids"])[0].text
    assert "排队太久" in text and "多开窗口" in text


def test_feedback_batch_limits(live) -> None:
    record = {"submitted_at": "2026-10-05 10:00", "text": "好"}
    with live.client("ingest") as client:
        too_many = client.post("/v1/feedback", json={"source": "survey", "records": [record] * 51})
        unknown = client.post("/v1/feedback", json={"source": "weibo", "records": [record]})
        empty = client.post("/v1/feedback", json={"source": "survey", "records": []})
    assert "at most 50" in assert_error(too_many, 422, "validation_error")["message"]
    assert_error(unknown, 422, "validation_error")
    assert_error(empty, 422, "validation_error")


def _survey_csv(prefix: str, rows: int) -> bytes:
    lines = ["response_id,submitted_at,csat,text"]
    lines += [
        f"{prefix}{i},2026-10-0{1 + i % 9} 09:00,{1 + i % 5},第{i}条：转账到账太慢了"
        for i in range(rows)
    ]
    lines.append(f"{prefix}bad,not-a-date,3,日期坏了")
    return ("\n".join(lines) + "\n").encode()


def test_feedback_small_upload_finishes_in_the_response(live) -> None:
    with live.client("ingest") as client:
        response = client.post(
            "/v1/feedback/files",
            files={"file": (f"问卷_{PHONE}.csv", _survey_csv("U-S-", 3))},
            data={"source": "survey"},
        )
    job = response.json()
    assert PHONE not in response.text and job["params"]["filename"].endswith(".csv")
    assert response.status_code == 200 and job["status"] == "done"
    assert job["result"]["stored"] == 3 and job["result"]["rejected"] == 1
    assert job["result"]["rejects"][0]["line"] == 5


def test_feedback_large_upload_runs_as_job_with_progress(live) -> None:
    data = _survey_csv("U-L-", 80)
    assert len(data) > 4 * 1024
    with live.client("ingest") as client:
        response = client.post(
            "/v1/feedback/files", files={"file": ("big.csv", data)}, data={"source": "survey"}
        )
        assert response.status_code == 202, response.text
        location = response.headers["location"]
        seen = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job = client.get(location).json()
            seen.append((job["status"], job["phase"], job["done"], job["total"]))
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
    assert job["status"] == "done", job
    assert job["result"]["stored"] == 80 and job["result"]["analysed"] == 80
    assert job["result"]["rejects"] == [
        {"line": 82, "reason": job["result"]["rejects"][0]["reason"]}
    ]
    assert job["params"] == {"source": "survey", "filename": "big.csv", "bytes": len(data)}
    assert (job["phase"], job["done"], job["total"]) == ("done", 80, 80)
    assert any(status in ("queued", "running") for status, *_ in seen), seen


def test_feedback_jobs_are_private_to_their_key(live) -> None:
    from voc.api.keys import create_key

    _, other = create_key(live.engine, "ingest", "other-ingest")
    with live.client("ingest") as client:
        job = client.post(
            "/v1/feedback/files",
            files={"file": ("p.csv", _survey_csv("U-P-", 1))},
            data={"source": "survey"},
        ).json()
    with live.client() as client:
        mine = client.get(f"/v1/jobs/{job['id']}", headers={"X-API-Key": other})
    assert_error(mine, 404, "not_found")
    with live.client("admin") as client:
        assert client.get(f"/v1/jobs/{job['id']}").status_code == 200


def test_feedback_upload_refuses_unknown_types_and_bad_files(live) -> None:
    with live.client("ingest") as client:
        exe = client.post(
            "/v1/feedback/files", files={"file": ("x.exe", b"MZ")}, data={"source": "survey"}
        )
        no_header = client.post(
            "/v1/feedback/files",
            files={"file": ("h.csv", b"a,b\n1,2\n")},
            data={"source": "survey"},
        )
        bad_mapping = client.post(
            "/v1/feedback/files",
            files={"file": ("m.csv", b"a\n1\n")},
            data={"source": "survey", "mapping": "{not json"},
        )
    assert_error(exe, 422, "validation_error")
    assert no_header.json()["status"] == "failed"
    assert "no column" in no_header.json()["error"] and "api-uploads" not in no_header.text
    assert_error(bad_mapping, 422, "validation_error")


def test_feedback_upload_over_limit_is_413(live) -> None:
    data = b"response_id,submitted_at,text\n" + b"x,2026-10-01,y\n" * 20_000
    with live.client("ingest") as client:
        response = client.post(
            "/v1/feedback/files", files={"file": ("huge.csv", data)}, data={"source": "survey"}
        )
    assert_error(response, 413, "payload_too_large")
