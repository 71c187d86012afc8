"""Request and response bodies; the examples (in Chinese, like the data) feed the docs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from voc.schema import ProblemStatus, Source, check_problem_id

SENTIMENT = Literal["negative", "neutral", "positive"]


class Page(BaseModel):
    """Where a page of a list starts and how long it is."""

    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: Literal["ok", "ready"]
    checks: dict[str, bool] = Field(default_factory=dict)
    versions: dict[str, str] = Field(default_factory=dict)


class FeedbackBatch(BaseModel):
    """Records of one source, in the shapes the file adapters accept (canonical or 中文 columns)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "source": "survey",
                    "records": [
                        {
                            "response_id": "S-20261005-001",
                            "submitted_at": "2026-10-05 10:00",
                            "csat": 2,
                            "nps": 3,
                            "text": "APP界面挺好看，但是转账一直失败，客服电话13812345678也打不通",
                            "channel": "手机银行",
                        },
                        {"提交时间": "2026-10-05 11:00", "满意度": 5, "意见": "客服很耐心，点赞"},
                    ],
                },
                {
                    "source": "app_review",
                    "records": [
                        {
                            "review_id": "R-1",
                            "created_at": "2026-10-09T08:30:00+08:00",
                            "rating": 1,
                            "text": "升级8.2.0以后转账老是闪退",
                            "app_version": "8.2.0",
                        }
                    ],
                },
            ]
        },
    )

    source: Source
    records: list[dict[str, Any]] = Field(min_length=1)
    mapping: dict[str, Any] | None = Field(
        default=None,
        description="Like a mapping file: {'columns': {field: column | [columns]}, 'timezone'}.",
        examples=[{"columns": {"text": ["Q3_意见", "Q4_建议"]}, "timezone": "Asia/Shanghai"}],
    )


class Reject(BaseModel):
    """A record that was not stored: its 0-based index in the batch and why."""

    index: int = Field(examples=[3])
    reason: str = Field(examples=["submitted_at: cannot read '2026-13-45' as a date"])


class IngestResult(BaseModel):
    read: int
    stored: int
    duplicates: int
    rejected: int
    analysed: int
    rejects: list[Reject] = Field(default_factory=list)
    ids: list[str] = Field(default_factory=list, description="Ids of newly stored items.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "read": 3,
                    "stored": 2,
                    "duplicates": 0,
                    "rejected": 1,
                    "analysed": 2,
                    "rejects": [{"index": 2, "reason": "text: no free-text answer"}],
                    "ids": ["3f0c9a…", "a81b22…"],
                }
            ]
        }
    )


class FileReject(BaseModel):
    """A row of an uploaded file that was not stored: its line (or sheet row) and why."""

    line: int
    reason: str


class Job(BaseModel):
    """A background job and how far it got; `result` holds the counts when it is done."""

    id: str
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    phase: str | None = Field(default=None, examples=["analyse"])
    done: int = 0
    total: int | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    params: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    error: str | None = None


class AnalyzeRequest(BaseModel):
    """One ad-hoc text (not stored)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "信用卡分期手续费太高了，客服还一直推销，打了13912345678没人接"}]
        },
    )

    text: str = Field(min_length=1, max_length=5000)


class Probabilities(BaseModel):
    negative: float
    neutral: float
    positive: float


class Sentiment(BaseModel):
    label: SENTIMENT
    probabilities: Probabilities


class TouchpointRef(BaseModel):
    id: str = Field(examples=["card_instalment"])
    name: str | None = Field(default=None, examples=["信用卡分期"])
    score: float | None = None


class ClauseOut(BaseModel):
    text: str
    start: int
    end: int
    sentiment: Sentiment
    touchpoint: TouchpointRef | None = None


class ProblemRef(BaseModel):
    """The known problem nearest a text; `matched` when its cosine reaches the link threshold."""

    id: str = Field(examples=["P-APP-TRANSFER-820"])
    title: str = Field(examples=["8.2.0版本转账闪退"])
    score: float = Field(description="Best cosine over the text's pooled and clause vectors.")
    matched: bool


class AnalyzeResult(BaseModel):
    """Masked text, document sentiment, document touchpoint and the clauses."""

    text: str = Field(description="The text after normalising and PII masking.")
    sentiment: Sentiment
    touchpoint: TouchpointRef | None = None
    clauses: list[ClauseOut]
    problem: ProblemRef | None = Field(
        default=None, description="Nearest known problem (null when the library is empty)."
    )
    versions: dict[str, str]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "text": "信用卡分期手续费太高了，客服还一直推销，打了[手机号]没人接",
                    "sentiment": {
                        "label": "negative",
                        "probabilities": {"negative": 0.91, "neutral": 0.06, "positive": 0.03},
                    },
                    "touchpoint": {"id": "card_instalment", "name": "信用卡分期", "score": 1.0},
                    "clauses": [],
                    "problem": {
                        "id": "P-CARD-INSTALMENT-FEE",
                        "title": "信用卡分期手续费说明不清",
                        "score": 0.9377,
                        "matched": True,
                    },
                    "versions": {"sentiment": "voc.sentiment.ft:4bf0874dc2"},
                }
            ]
        }
    )


class ProblemIn(BaseModel):
    """A new known problem for the library (投诉问题库)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "id": "P-APP-TRANSFER-820",
                    "title": "8.2.0版本转账闪退",
                    "description": "升级到8.2.0后，部分安卓机型在转账确认页闪退",
                    "touchpoint": "app_transfer",
                    "root_cause": "新版安全键盘与部分机型不兼容",
                    "fix": "8.2.1修复；临时可用网银转账",
                    "status": "open",
                    "owner": "手机银行产品组",
                }
            ]
        },
    )

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
    title: str = Field(min_length=1, max_length=200)

    description: str = Field(default="", max_length=5000)
    touchpoint: str | None = Field(default=None, max_length=100)
    root_cause: str = Field(default="", max_length=5000)
    fix: str = Field(default="", max_length=5000)
    status: ProblemStatus = "open"
    owner: str | None = Field(default=None, max_length=200)

    _id_is_not_a_route = field_validator("id")(check_problem_id)


class ProblemPatch(BaseModel):
    """Fields to change; fields left out stay as they are."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"status": "mitigated", "fix": "8.2.1已发布，问题缓解"}]},
    )

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    touchpoint: str | None = Field(default=None, max_length=100)
    root_cause: str | None = Field(default=None, max_length=5000)
    fix: str | None = Field(default=None, max_length=5000)
    status: ProblemStatus | None = None
    owner: str | None = Field(default=None, max_length=200)


class ProblemOut(BaseModel):
    id: str
    title: str
    description: str
    touchpoint: str | None
    root_cause: str
    fix: str
    status: ProblemStatus
    owner: str | None
    created_at: datetime | None
    updated_at: datetime | None
    cases: int = Field(default=0, description="Number of linked feedback items.")


class CaseOut(BaseModel):
    feedback_id: str
    source: str
    created_at: datetime | None
    text: str = Field(description="Masked feedback text.")
    resolution: str | None = None
    score: float | None = None
    method: str


class ProblemDetail(ProblemOut):
    recent_cases: list[CaseOut] = Field(default_factory=list)


class ProblemList(Page):
    items: list[ProblemOut]


class CandidateProblem(BaseModel):
    """A group of unmatched complaints that look like one problem the library lacks."""

    size: int
    title_hint: str = Field(description="The complaint nearest the group's centre (masked).")
    keywords: list[str] = Field(examples=[["积分", "清零", "通知"]])
    touchpoint: str | None = Field(description="Most common touchpoint of the members.")
    first_seen: datetime
    last_seen: datetime
    feedback_ids: list[str] = Field(description="Members, nearest the centre first.")
    examples: list[str] = Field(description="Up to three masked member texts.")
    nearest_problem: str | None = Field(description="Known problem the members come closest to.")
    nearest_score: float | None


class CandidateList(BaseModel):
    items: list[CandidateProblem]
    min_similarity: float = Field(description="Grouping threshold used (centred cosine).")


class TouchpointSummaryRow(BaseModel):
    touchpoint: str = Field(examples=["app_transfer"])
    name: str | None = Field(default=None, examples=["手机银行转账"])
    clauses: int
    negative_share: float


class TouchpointSummary(BaseModel):
    items: list[TouchpointSummaryRow]


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["viewer", "handler", "ingest", "admin"]
    name: str = Field(default="", max_length=200, examples=["客服中心看板"])


class KeyOut(BaseModel):
    id: str
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None = None


class NewKey(KeyOut):
    key: str = Field(description="The key itself; shown only in this response.")


class KeyList(BaseModel):
    items: list[KeyOut]


class AuditEntry(BaseModel):
    id: int
    at: datetime
    actor_id: str
    actor_name: str
    actor_role: str
    action: str
    target_type: str
    target_id: str | None
    detail: dict[str, Any] | None


class AuditList(Page):
    items: list[AuditEntry]


class ProblemMatchOut(ProblemRef):
    """A problem with what a handler needs to answer the customer."""

    touchpoint: str | None = Field(default=None, examples=["app_transfer"])
    root_cause: str = Field(examples=["新版安全键盘与部分机型不兼容"])
    fix: str = Field(examples=["8.2.1修复；临时可用网银转账"])
    status: ProblemStatus


class SimilarRequest(BaseModel):
    """A complaint as a handler pasted it, with optional filters on the past cases."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "text": "升级到8.2.0以后转账一点确认就闪退，我的手机号13812345678，请尽快处理",
                    "k": 5,
                },
                {
                    "text": "信用卡分期手续费比说的高，客服也解释不清楚",
                    "k": 10,
                    "source": "complaint",
                    "since": "2026-09-01",
                    "until": "2026-11-01",
                    "status": "closed",
                },
            ]
        },
    )

    text: str = Field(min_length=1, max_length=5000, description="Masked before any use.")
    k: int = Field(default=10, ge=1, le=50, description="How many past cases.")
    source: Source | None = None
    touchpoint: str | None = Field(default=None, max_length=100, examples=["app_transfer"])
    since: str | None = Field(
        default=None,
        max_length=40,
        description="Cases created on/after this ISO date or datetime (server time zone if none).",
        examples=["2026-10-01"],
    )
    until: str | None = Field(
        default=None,
        max_length=40,
        description="Cases created before this ISO date or datetime.",
        examples=["2026-10-15T00:00:00+08:00"],
    )
    status: str | None = Field(
        default=None, max_length=40, description="Complaint ticket status.", examples=["closed"]
    )


class SimilarCase(BaseModel):
    """A past case: masked text, when and where it came in, and how it was resolved."""

    feedback_id: str
    text: str = Field(description="Masked feedback text.")
    created_at: datetime
    source: str
    touchpoint: str | None = None
    status: str | None = Field(default=None, description="Ticket status (complaints only).")
    resolution: str | None = Field(default=None, description="Ticket resolution, if any.")
    score: float = Field(description="Cosine between the query and the case.")
    rank_score: float = Field(description="Fused (dense + BM25) rank score; orders the list.")


class SimilarResponse(BaseModel):
    """The matched problem (or the nearest one, `matched: false`) and similar past cases."""

    query: str = Field(description="The text after normalising and PII masking.")
    problem: ProblemMatchOut | None = None
    problem_alternatives: list[ProblemMatchOut] = Field(default_factory=list)
    cases: list[SimilarCase]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "升级到8.2.0以后转账一点确认就闪退，我的手机号[手机号]，请尽快处理",
                    "problem": {
                        "id": "P-APP-TRANSFER-820",
                        "title": "8.2.0版本转账闪退",
                        "touchpoint": "app_transfer",
                        "root_cause": "新版安全键盘与部分机型不兼容",
                        "fix": "8.2.1修复；临时可用网银转账",
                        "status": "mitigated",
                        "score": 0.9431,
                        "matched": True,
                    },
                    "problem_alternatives": [],
                    "cases": [
                        {
                            "feedback_id": "3f0c9a1b2c3d4e5f60718293a4b5c6d7",
                            "text": "8.2.0版本转账页面闪退，重装也没用",
                            "created_at": "2026-10-08T02:15:00+00:00",
                            "source": "complaint",
                            "touchpoint": "app_transfer",
                            "status": "closed",
                            "resolution": "已告知客户升级至8.2.1，问题解决",
                            "score": 0.9512,
                            "rank_score": 0.032787,
                        }
                    ],
                }
            ]
        }
    )


# --- analytics: scorecard, trends, topics, alerts ------------------------------------------


class EstimateOut(BaseModel):
    """A share, index or score with its interval; `small` flags n below the small-cell limit."""

    value: float | None = Field(examples=[0.42])
    low: float | None = Field(examples=[0.35])
    high: float | None = Field(examples=[0.49])
    n: int = Field(examples=[180], description="Answers or clauses behind the figure.")
    small: bool = Field(examples=[False], description="n is below the small-cell limit.")


class ScoreRowOut(BaseModel):
    """One scorecard line: a touchpoint (`*` = all, `-` = none) in a period and slice."""

    period: str = Field(examples=["2026-W41"])
    touchpoint: str = Field(examples=["app_transfer"])
    name: str | None = Field(default=None, examples=["转账汇款"])
    dim: str = Field(examples=["channel"], description="Slice dimension; `*` = all items.")
    value: str = Field(examples=["手机银行"], description="Slice value; `*` = all items.")
    volume: int = Field(examples=[212])
    negative_share: EstimateOut
    sentiment_index: EstimateOut = Field(description="100 × (positive − negative) / clauses.")
    csat_top2: EstimateOut = Field(description="Share of 4–5 answers on the 1–5 scale.")
    csat_mean: EstimateOut
    nps: EstimateOut = Field(description="% promoters (9–10) − % detractors (0–6).")
    complaints: int
    complaint_rate: EstimateOut
    response_median_s: float | None = None
    response_within_1h: EstimateOut
    close_median_s: float | None = None
    close_within_24h: EstimateOut


class Scorecard(BaseModel):
    """Scorecard rows by period, then by volume; every proportion and NPS with its CI."""

    granularity: Literal["week", "month"]
    from_period: str | None = Field(examples=["2026-W40"])
    to_period: str | None = Field(examples=["2026-W41"])
    dim: str = Field(examples=["*"])
    value: str = Field(examples=["*"])
    confidence: float = Field(examples=[0.95])
    small_cell: int = Field(examples=[30])
    items: list[ScoreRowOut]


class TrendPoint(BaseModel):
    """One period of a series (periods without items have volume 0 and empty estimates)."""

    period: str = Field(examples=["2026-W41"])
    volume: int = Field(examples=[96])
    negative_share: EstimateOut
    sentiment_index: EstimateOut
    csat_top2: EstimateOut
    csat_mean: EstimateOut
    nps: EstimateOut


class TrendSeries(BaseModel):
    """A touchpoint's or a topic's series over the requested periods."""

    granularity: Literal["week", "month"]
    touchpoint: str | None = Field(default=None, examples=["app_transfer"])
    topic: int | None = Field(default=None, examples=[None])
    name: str | None = Field(default=None, examples=["转账汇款"])
    items: list[TrendPoint]


class TopicOut(BaseModel):
    """A pain-point topic; ids are stable across refits."""

    id: int = Field(examples=[12])
    label: str = Field(examples=["转账闪退_8.2.0_转账失败"])
    keywords: list[str] = Field(examples=[["闪退", "8.2.0", "转账失败"]])
    size: int = Field(examples=[340])
    status: str = Field(examples=["active"])
    model_version: str
    updated_at: datetime


class TopicList(Page):
    items: list[TopicOut]


class TopicWeek(BaseModel):
    week: str = Field(examples=["2026-W41"])
    count: int = Field(examples=[58])
    negative_share: float = Field(examples=[0.81])
    touchpoint_mix: dict[str, int] = Field(examples=[{"app_transfer": 50, "none": 8}])


class TopicExample(BaseModel):
    feedback_id: str
    created_at: datetime
    source: str
    text: str = Field(description="Masked feedback text.", examples=["升级8.2.0后转账闪退"])


class TopicHistoryRow(BaseModel):
    at: datetime
    model_version: str
    event: str = Field(examples=["split"])
    related_ids: list[Any] = Field(examples=[[12, 31]])
    detail: dict[str, Any] | None = None


class TopicDetail(TopicOut):
    """The topic with its weekly series, touchpoint mix, recent examples and refit history."""

    weekly: list[TopicWeek]
    touchpoint_mix: dict[str, int] = Field(
        description="Items per touchpoint over all weeks (`none` = no touchpoint).",
        examples=[{"app_transfer": 300, "none": 40}],
    )
    examples: list[TopicExample]
    history: list[TopicHistoryRow]


class AlertEvidence(BaseModel):
    """Why the alert fired: keywords, masked quotes, the over-represented slice, test detail."""

    keywords: list[str] = Field(examples=[["闪退", "8.2.0"]])
    examples: list[dict[str, Any]] = Field(
        examples=[[{"feedback_id": "3f0c…", "text": "升级8.2.0后转账闪退，客服电话[手机号]"}]]
    )
    over_represented: dict[str, Any] | None = Field(
        default=None,
        examples=[{"dim": "app_version", "value": "8.2.0", "share_current": 0.71}],
    )
    detail: dict[str, Any] = Field(default_factory=dict)


class AlertOut(BaseModel):
    """One alert episode (consecutive weeks merged) and its acknowledgement."""

    id: int = Field(examples=[7])
    kind: str = Field(examples=["volume_spike"])
    severity: Literal["low", "medium", "high"]
    metric: str = Field(examples=["volume"])
    period: str = Field(examples=["2026-W41"], description="First week of the episode.")
    last_period: str = Field(examples=["2026-W42"])
    peak_period: str = Field(examples=["2026-W41"])
    n_periods: int = Field(examples=[2])
    touchpoint: str | None = Field(examples=["app_transfer"])
    touchpoint_name: str | None = Field(default=None, examples=["转账汇款"])
    topic_id: int | None = Field(examples=[None])
    topic_label: str | None = Field(examples=[None])
    baseline: float | None = Field(examples=[21.5])
    current: float | None = Field(examples=[103.0])
    effect: float | None = Field(examples=[4.8])
    score: float | None = Field(examples=[14.2], description="−log10 p of the peak week.")
    status: Literal["open", "acked"]
    acked_at: datetime | None = None
    ack_note: str | None = Field(default=None, description="Masked note given with the ack.")
    evidence: AlertEvidence
    created_at: datetime
    updated_at: datetime


class AlertList(Page):
    items: list[AlertOut]


class AckIn(BaseModel):
    """Optional note stored with the acknowledgement (PII-masked)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"note": "已通知手机银行产品组，8.2.1修复"}]},
    )

    note: str | None = Field(default=None, max_length=2000)
