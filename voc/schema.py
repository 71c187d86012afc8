"""The one record shape every source becomes, and what ingest rejects.

Adapters yield `FeedbackDraft` (raw text and raw customer id, validated at the edge) or
`RejectedRow`. The ingest pipeline turns a draft into a `Feedback`: normalised, PII-masked,
customer id hashed. A `Feedback` is therefore always safe to store, index, log or return.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

Source = Literal["survey", "app_review", "call_transcript", "complaint"]
SOURCES: tuple[str, ...] = ("survey", "app_review", "call_transcript", "complaint")
Speaker = Literal["customer", "agent", "system"]
TicketStatus = Literal["open", "in_progress", "closed"]


class Turn(BaseModel):
    """One turn of a call; speakers stay apart so customer speech can be analysed alone."""

    model_config = ConfigDict(extra="forbid")

    speaker: Speaker
    start: float | None = Field(default=None, ge=0)
    end: float | None = Field(default=None, ge=0)
    text: str


class Ticket(BaseModel):
    """Complaint-ticket facts needed for response-time metrics and the resolution loop."""

    model_config = ConfigDict(extra="forbid")

    opened_at: AwareDatetime
    first_response_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    category: str | None = None
    status: TicketStatus | None = None
    resolution: str | None = None


class _Common(BaseModel):
    source: Source
    external_id: str | None = Field(default=None, max_length=200)
    channel: str | None = Field(default=None, max_length=100)
    created_at: AwareDatetime
    csat: int | None = Field(default=None, ge=1, le=5)
    nps: int | None = Field(default=None, ge=0, le=10)
    rating: int | None = Field(default=None, ge=1, le=5)
    product: str | None = Field(default=None, max_length=200)
    app_version: str | None = Field(default=None, max_length=50)
    touchpoint_hint: str | None = Field(default=None, max_length=100)
    branch: str | None = Field(default=None, max_length=200)
    turns: list[Turn] = Field(default_factory=list)
    ticket: Ticket | None = None
    meta: dict[str, Any] = Field(default_factory=dict)


class FeedbackDraft(_Common):
    """A validated but not yet masked record, as an adapter reads it from a file."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    customer_id: str | None = Field(default=None, max_length=200)
    origin: str = Field(description="`path:line` the record came from, for error messages.")

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty")
        return value


class Feedback(_Common):
    """A stored feedback item: text masked, customer id replaced by a salted hash."""

    model_config = ConfigDict(extra="forbid")

    id: str
    text: str
    customer_key: str | None = None
    ingested_at: datetime | None = None


class RejectedRow(BaseModel):
    """A row the adapter or pipeline refused, kept for review with where and why."""

    path: str
    line: int
    reason: str
    raw: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}"


ProblemStatus = Literal["open", "mitigated", "closed"]


# Path segments under /v1/problems that are routes, not problem ids.
RESERVED_PROBLEM_IDS = frozenset({"candidates"})


def check_problem_id(value: str) -> str:
    """A problem id that is not an API route (`/v1/problems/candidates` would hide it)."""
    if value in RESERVED_PROBLEM_IDS:
        raise ValueError(f"{value!r} names an API route (/v1/problems/{value}); choose another id")
    return value


class Problem(BaseModel):
    """A known, recurring problem in the complaint problem library (投诉问题库)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.\-]+$")
    title: str = Field(min_length=1, max_length=200)
    description: str = ""
    touchpoint: str | None = None
    root_cause: str = ""
    fix: str = ""
    status: ProblemStatus = "open"
    owner: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    _id_is_not_a_route = field_validator("id")(check_problem_id)
