#!/usr/bin/env python3
"""Seeded generator for the synthetic 星海银行 (Xinghai Bank) demo corpus.

Usage::

    python scripts/generate_demo.py --seed 20261128 --out data/demo

Writes ``surveys.csv``, ``app_reviews.csv``, ``call_transcripts.jsonl``,
``complaints.csv``, ``problems.yaml`` and ``README.md`` into ``--out``.  The
same seed always produces byte-identical files (only ``random.Random`` with
string seeds, fixed iteration order, ``\\n`` line endings).

All text is synthetic and assembled from the hand-written phrase banks in
``scripts/demo_phrases.py``; personal data in it (phones, ID numbers, card
numbers, e-mails, names) is fake but format-valid so that masking code has
something to find.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from string import Template

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo_phrases as P

# ---------------------------------------------------------------------------
# Calendar and volume design
# ---------------------------------------------------------------------------

YEAR = 2026
WEEKS: list[int] = list(range(27, 47))  # ISO weeks 2026-W27 .. 2026-W46
WEEK_MONDAY: dict[int, date] = {w: date.fromisocalendar(YEAR, w, 1) for w in WEEKS}
RELEASE_820 = datetime(2026, 10, 5, 2, 0, 0)  # Monday of 2026-W41, 02:00 local
SNAPSHOT_AT = datetime(2026, 11, 16, 9, 0, 0)  # complaint extract time (Mon after W46)
TIME_FMT = "%Y-%m-%d %H:%M:%S"

SOURCES: tuple[str, ...] = ("survey", "review", "call", "complaint")
SOURCE_FILES: dict[str, str] = {
    "survey": "surveys.csv",
    "review": "app_reviews.csv",
    "call": "call_transcripts.jsonl",
    "complaint": "complaints.csv",
}
BASE_PER_WEEK: dict[str, float] = {"survey": 27.0, "review": 26.0, "call": 4.0, "complaint": 12.0}

TP_IDS: list[str] = list(P.TOUCHPOINTS)

# relative weekly weight per touchpoint: survey, review, call, complaint
TP_WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "account_opening": (1.0, 0.7, 0.6, 0.6),
    "login_auth": (1.2, 2.0, 1.0, 0.9),
    "app_transfer": (1.5, 2.2, 1.2, 1.4),
    "account_query": (1.0, 1.2, 0.6, 0.5),
    "loan_application": (0.8, 0.8, 0.9, 0.8),
    "loan_approval": (0.8, 0.6, 1.0, 1.0),
    "repayment": (0.9, 0.6, 1.3, 1.2),
    "card_instalment": (1.2, 0.9, 1.6, 1.4),
    "card_activation": (0.9, 0.6, 1.1, 0.7),
    "card_limit": (0.9, 1.0, 1.1, 0.9),
    "wealth_products": (1.0, 0.8, 0.9, 1.1),
    "fraud_security": (0.6, 0.5, 1.5, 1.3),
    "sms_notice": (0.7, 0.6, 0.7, 0.6),
    "app_performance": (1.0, 3.0, 0.6, 0.7),
    "hotline_ivr": (1.2, 0.3, 0.9, 1.0),
    "chatbot": (0.9, 1.0, 0.5, 0.6),
    "branch_service": (1.6, 0.15, 0.5, 1.0),
    "after_sales": (0.6, 0.2, 0.8, 0.9),
    "fees_charges": (0.7, 0.4, 0.9, 1.2),
    "marketing_rewards": (0.9, 1.2, 0.8, 0.9),
}

INCIDENT_A_MULT: dict[int, float] = {41: 4.5, 42: 2.0}
INCIDENT_B_START, INCIDENT_B_PEAK = 33, 44


def incident_multiplier(tp: str, week: int) -> tuple[float, str]:
    """Volume multiplier for (touchpoint, week) and the incident it belongs to."""
    if tp == "app_transfer" and week in INCIDENT_A_MULT:
        return INCIDENT_A_MULT[week], "A"
    if tp == "card_instalment" and week > INCIDENT_B_START:
        frac = min(1.0, (week - INCIDENT_B_START) / (INCIDENT_B_PEAK - INCIDENT_B_START))
        return 1.0 + 2.0 * frac, "B"
    return 1.0, ""


# sentiment mix per source before the per-touchpoint negativity bias
SENT_DIST: dict[str, dict[str, float]] = {
    "survey": {"pos": 0.46, "neu": 0.14, "mixed": 0.12, "neg": 0.28},
    "review": {"pos": 0.33, "neu": 0.08, "mixed": 0.15, "neg": 0.44},
    "call": {"pos": 0.05, "neu": 0.45, "mixed": 0.0, "neg": 0.50},
    "complaint": {"pos": 0.0, "neu": 0.0, "mixed": 0.0, "neg": 1.0},
}
NEG_BIAS: dict[str, float] = {
    "fees_charges": 1.4,
    "after_sales": 1.5,
    "fraud_security": 1.3,
    "hotline_ivr": 1.3,
    "chatbot": 1.3,
    "app_performance": 1.2,
    "marketing_rewards": 1.1,
    "branch_service": 0.9,
    "account_opening": 0.8,
    "card_activation": 0.8,
}
ANGRY_P: dict[str, float] = {"survey": 0.35, "review": 0.5, "call": 0.4, "complaint": 0.4}

# weekday (Mon..Sun) and hour-of-day weights
DAY_W: dict[str, Sequence[float]] = {
    "survey": (1.1, 1.1, 1.05, 1.05, 1.0, 0.8, 0.7),
    "branch": (1.1, 1.0, 1.0, 1.0, 1.1, 1.0, 0.4),
    "review": (0.95, 0.95, 0.95, 0.95, 1.0, 1.1, 1.1),
    "call": (1.2, 1.1, 1.05, 1.0, 1.0, 0.7, 0.6),
    "complaint": (1.25, 1.1, 1.05, 1.0, 1.0, 0.55, 0.45),
}
# fmt: off
HOUR_W: dict[str, Sequence[float]] = {
    "survey": (0, 0, 0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 6, 5, 7, 8, 7, 6, 5, 5, 6, 5, 3, 1),
    "branch": (0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 8, 8, 5, 4, 7, 8, 6, 0, 0, 0, 0, 0, 0, 0),
    "review": (2, 1, 0.5, 0.3, 0.2, 0.2, 0.5, 1, 2, 3, 3, 3, 4, 3, 3, 3, 3, 3, 4, 5, 6, 7, 6, 4),
    "call": (0.1, 0.05, 0, 0, 0, 0, 0.1, 0.5, 3, 8, 9, 8, 5, 5, 7, 8, 7, 5, 4, 4, 3, 2, 0.5, 0.2),
    "complaint": (0.2, 0.1, 0, 0, 0, 0, 0.2, 0.5, 3, 8, 9, 8, 5, 6, 8, 8, 7, 5, 3, 3, 2, 1,
                  0.5, 0.3),
}
# fmt: on
INCIDENT_A_DAY_W: dict[int, Sequence[float]] = {
    41: (3.0, 2.8, 2.2, 1.4, 0.9, 0.7, 0.6),
    42: (1.6, 1.4, 1.2, 1.0, 0.8, 0.6, 0.5),
}

SURVEY_CHANNELS: dict[str, dict[str, float]] = {  # by touchpoint "home"
    "app": {"app_popup": 0.55, "wechat": 0.2, "sms_survey": 0.2, "branch_pad": 0.05},
    "branch": {"branch_pad": 0.5, "sms_survey": 0.25, "wechat": 0.2, "app_popup": 0.05},
    "remote": {"sms_survey": 0.45, "wechat": 0.25, "app_popup": 0.2, "branch_pad": 0.1},
}
HINT_P: dict[str, float] = {"app_popup": 0.85, "branch_pad": 0.55, "sms_survey": 0.6, "wechat": 0.3}
STORES: dict[str, float] = {"app_store": 0.35, "huawei": 0.25, "xiaomi": 0.15, "yingyongbao": 0.25}
COMPLAINT_CHANNELS: dict[str, float] = {
    "hotline": 0.42,
    "app": 0.28,
    "branch": 0.12,
    "email": 0.1,
    "regulator_referral": 0.08,
}
BRANCH_TPS = {"branch_service", "account_opening", "wealth_products", "fees_charges"}
REGULATOR_PRONE = {"fees_charges", "wealth_products", "fraud_security", "after_sales", "repayment"}

# keyword themes used to *measure* the incidents in the written text
THEME_A = re.compile(
    r"(转账|轉賬|轉账|转賬).*(失败|敗|转圈|轉圈|繁忙|到账慢|到賬慢|超时|超時|没到账|未到账|结果未知|結果未知)"
    r"|转圈|轉圈|系统繁忙|系統繁忙|交易结果未知|交易結果未知"
)
THEME_B = re.compile(
    r"(分期|现金分期).*(手续费|手續費|费率|費率|利率|年化)|(手续费|手續費|费率|費率|利率|年化).*分期"
)


# ---------------------------------------------------------------------------
# Small random helpers
# ---------------------------------------------------------------------------


def wchoice(rng: Random, weights: dict[str, float]) -> str:
    """Weighted choice over a dict in insertion order (deterministic)."""
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def sample_dt(rng: Random, week: int, day_w: Sequence[float], hour_w: Sequence[float]) -> datetime:
    """Random local timestamp inside ISO ``week`` following weekday/hour weights."""
    day = rng.choices(range(7), weights=day_w, k=1)[0]
    hour = rng.choices(range(24), weights=hour_w, k=1)[0]
    d = WEEK_MONDAY[week] + timedelta(days=day)
    return datetime(d.year, d.month, d.day, hour, rng.randrange(60), rng.randrange(60))


# ---------------------------------------------------------------------------
# Fake PII (format-valid)
# ---------------------------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 checksum character for an 18-digit resident ID number."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def luhn_check_digit(partial: str) -> str:
    """Luhn check digit to append to ``partial``."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    """True when ``number`` (digits only) passes the Luhn check."""
    return luhn_check_digit(number[:-1]) == number[-1]


class PiiFaker:
    """Produces fake but format-valid Chinese PII strings."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng

    def mobile(self) -> str:
        r = self.rng
        p = r.choice(P.MOBILE_PREFIXES)
        a, b = f"{r.randrange(10000):04d}", f"{r.randrange(10000):04d}"
        style = r.random()
        if style < 0.68:
            return p + a + b
        if style < 0.80:
            return f"+86 {p}-{a}-{b}"
        if style < 0.90:
            return f"{p} {a} {b}"
        if style < 0.95:
            return f"+86{p}{a}{b}"
        return f"{p}-{a}-{b}"

    def id_number(self) -> str:
        r = self.rng
        birth = date(1955, 1, 1) + timedelta(days=r.randrange(365 * 48))
        first17 = f"{r.choice(P.ID_REGIONS)}{birth:%Y%m%d}{r.randrange(1, 1000):03d}"
        return first17 + id_check_digit(first17)

    def card(self) -> str:
        r = self.rng
        length = r.choice((16, 19))
        body = r.choice(P.CARD_BINS) + "".join(str(r.randrange(10)) for _ in range(length - 7))
        num = body + luhn_check_digit(body)
        if r.random() < 0.4:
            return " ".join(num[i : i + 4] for i in range(0, len(num), 4))
        return num

    def email(self) -> str:
        r = self.rng
        return f"{r.choice(P.EMAIL_USERS)}{r.randrange(10, 9999)}@{r.choice(P.EMAIL_DOMAINS)}"

    def landline(self) -> str:
        r = self.rng
        area = r.choice(P.AREA_CODES)
        digits = 8 if len(area) == 3 or r.random() < 0.7 else 7
        return (
            f"{area}-{r.randrange(2, 10)}{''.join(str(r.randrange(10)) for _ in range(digits - 1))}"
        )

    def surname(self) -> str:
        return self.rng.choice(P.SURNAMES)

    def fullname(self) -> str:
        r = self.rng
        return r.choice(P.SURNAMES) + "".join(
            r.choice(P.GIVEN_CHARS) for _ in range(r.choice((1, 2)))
        )

    def sentence(self, templates: Sequence[str]) -> str:
        """Fill one PII sentence template."""
        sur = self.surname()
        out = self.rng.choice(templates)
        repl: dict[str, Callable[[], str]] = {
            "mobile": self.mobile,
            "idno": self.id_number,
            "card": self.card,
            "email": self.email,
            "landline": self.landline,
            "fullname": self.fullname,
            "honorific": lambda: self.rng.choice(("先生", "女士")),
            "surname": lambda: sur,
        }
        return re.sub(r"\{(\w+)\}", lambda m: repl[m.group(1)](), out)


# ---------------------------------------------------------------------------
# Slot filling
# ---------------------------------------------------------------------------

CN_NUM = "零一两三四五六七八九"
# fmt: off
AMOUNTS: tuple[int, ...] = (300, 500, 800, 1000, 1200, 1500, 2000, 2600, 3000, 3800, 5000, 6000,
                            8000, 10000, 12000, 15000, 20000, 30000, 50000)
# fmt: on


class SlotFiller:
    """Fills ``{slot}`` placeholders with random, context-aware values."""

    def __init__(self, rng: Random) -> None:
        self.rng = rng
        self.when: datetime = datetime(YEAR, 7, 1)
        self.ver: str = "新版本"
        self.min_date: date | None = None

    def set_context(
        self, when: datetime, ver: str = "新版本", min_date: date | None = None
    ) -> None:
        self.when, self.ver, self.min_date = when, ver, min_date

    # individual slots -------------------------------------------------------
    def amt(self) -> str:
        r = self.rng
        v = r.choice(AMOUNTS)
        s = r.random()
        if s < 0.45:
            return f"{v}元"
        if s < 0.6:
            return f"{v:,}元"
        if s < 0.75 and v % 10000 == 0:
            return f"{v // 10000}万"
        if s < 0.75 and v % 1000 == 0 and v < 10000:
            return f"{CN_NUM[v // 1000]}千块"
        if s < 0.85:
            return f"{v}块"
        return f"{v - r.randrange(1, 99)}.{r.randrange(10, 99)}元"

    def date(self) -> str:
        r = self.rng
        off = r.choice((0, 1, 1, 1, 2, 2, 3, 4, 5))
        d = self.when.date() - timedelta(days=off)
        if self.min_date is not None and d < self.min_date:
            d, off = self.min_date, (self.when.date() - self.min_date).days
        if off == 0:
            return r.choice(("今天", "今天上午", "今天早上"))
        if off == 1 and r.random() < 0.6:
            return "昨天"
        if off == 2 and r.random() < 0.5:
            return "前天"
        return r.choice((f"{d.month}月{d.day}日", f"{d.month}月{d.day}号", f"{d.day}号"))

    def n(self) -> str:
        k = self.rng.randint(2, 8)
        return CN_NUM[k] if self.rng.random() < 0.4 else str(k)

    def value(self, name: str) -> str:
        """Return a random value for slot ``name``."""
        r = self.rng
        simple: dict[str, Callable[[], str]] = {
            "app": lambda: r.choice(P.APP_NAMES),
            "bank_app": lambda: r.choice(("手机银行", "星海银行APP", "手机银行APP")),
            "amt": self.amt,
            "big_amt": lambda: r.choice(
                ("3万", "5万元", "8万", "10万", "15万", "20万元", "30万", "50万元")
            ),
            "term": lambda: r.choice(("3期", "6期", "12期", "12期", "24期", "36期")),
            "tail": lambda: f"{r.randrange(10000):04d}",
            "date": self.date,
            "mins": lambda: str(r.choice((15, 20, 25, 30, 40, 45, 50, 60, 70, 80, 90, 120))),
            "hours": lambda: str(r.randint(2, 9)),
            "days": lambda: str(r.randint(3, 30)),
            "n": self.n,
            "day": lambda: str(r.randint(1, 28)),
            "branch": lambda: r.choice(P.BRANCHES),
            "place": lambda: r.choice(P.PLACES),
            "product": lambda: r.choice(P.PRODUCTS),
            "fee": lambda: r.choice(
                (
                    "36元",
                    "45.6元",
                    "68元",
                    "88元",
                    "120元",
                    "150多元",
                    "200块",
                    "300多",
                    "480元",
                    "600多块",
                    "1,260元",
                )
            ),
            "rate": lambda: r.choice(("0.6%", "0.65%", "0.7%", "0.75%", "0.8%")),
            "apr": lambda: r.choice(("13%", "14.4%", "15%", "16.2%", "17.3%", "18%")),
            "limit": lambda: r.choice(("5000", "8000", "1万", "2万", "3万", "5万")),
            "gift": lambda: r.choice(P.GIFTS),
            "staff": lambda: f"{r.randrange(1000, 10000)}",
            "ver": lambda: self.ver,
            "loss": lambda: r.choice(("15%", "两成", "百分之二十", "三万多", "快一半")),
            "years": lambda: r.choice(("5", "8", "10", "十几", "20", "3")),
            "card_type": lambda: r.choice(P.CARD_TYPES),
        }
        return simple[name]()

    def fill(self, template: str) -> str:
        """Replace every ``{slot}`` in ``template`` with a fresh random value."""
        return re.sub(r"\{(\w+)\}", lambda m: self.value(m.group(1)), template)


# ---------------------------------------------------------------------------
# Text noise
# ---------------------------------------------------------------------------

END_PUNCT = "。！？!?~…）)"


def to_traditional(text: str) -> str:
    """Convert simplified to traditional using the hand-written word and character tables."""
    for simp, trad in P.TRAD_PHRASES.items():
        text = text.replace(simp, trad)
    return "".join(P.TRAD_MAP.get(ch, ch) for ch in text)


def to_fullwidth(text: str) -> str:
    """Turn ASCII letters and digits into their full-width forms."""
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def add_typo(rng: Random, text: str) -> str:
    """Apply one plausible input-method typo if any pattern matches."""
    options = [(a, b) for a, b in P.TYPOS if a in text]
    if not options:
        return text
    a, b = rng.choice(options)
    return text.replace(a, b, 1)


def end_sentence(rng: Random, text: str, angry: bool = False, force: bool = False) -> str:
    """End ``text`` with sentence punctuation (sometimes left bare unless ``force``)."""
    if not text or text[-1] in END_PUNCT or text[-1] in "👍😡😤😊🙏👏💔😭":
        return text
    x = rng.random()
    if angry and x < 0.35:
        return text + rng.choice(("！", "！！", "!!!"))
    if x < 0.9 or force:
        return text + "。"
    return text


def pick_keyed(rng: Random, entries: Sequence[str], text: str, fallback: Sequence[str]) -> str:
    """Pick an entry whose "kw|kw::" prefix matches ``text``; else a general one.

    Entries without "::" are general; ``fallback`` is used when nothing general exists.
    """
    matched, general = [], []
    for e in entries:
        if "::" in e:
            kws, body = e.split("::", 1)
            if any(k and k in text for k in kws.split("|")):
                matched.append(body)
        else:
            general.append(e)
    if matched and rng.random() < 0.9:
        return rng.choice(matched)
    return rng.choice(general or list(fallback))


def join_clauses(rng: Random, clauses: Sequence[str], positive: bool = False) -> str:
    """Join clauses with natural Chinese connectors (no "更离谱的是" in praise)."""
    joins = P.POS_CLAUSE_JOINS if positive else P.CLAUSE_JOINS
    out = clauses[0]
    for c in clauses[1:]:
        if out[-1] in END_PUNCT:
            out += c
        else:
            out += rng.choice(joins) + c
    return out


# ---------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------


@dataclass
class Item:
    """One planned record before rendering (ground truth lives here)."""

    source: str
    week: int
    tp: str
    sentiment: str  # pos | neu | neg | mixed
    angry: bool
    incident: str  # "" | "A" | "B"
    ts: datetime
    seq: int
    rid: str = ""
    flags: dict[str, bool] = field(default_factory=dict)
    text: str = ""


def pick_sentiment(rng: Random, source: str, tp: str) -> str:
    """Sentiment draw for a baseline item."""
    dist = dict(SENT_DIST[source])
    dist["neg"] *= NEG_BIAS.get(tp, 1.0)
    return wchoice(rng, dist)


def plan(seed: int) -> dict[str, list[Item]]:
    """Decide how many items each (source, week, touchpoint) cell gets, and when."""
    items: dict[str, list[Item]] = {s: [] for s in SOURCES}
    seq = 0
    for si, source in enumerate(SOURCES):
        rng = Random(f"{seed}:plan:{source}")
        total_w = sum(w[si] for w in TP_WEIGHTS.values())
        # error-diffusion rounding per (touchpoint, base|extra), starting at a random phase
        carry = {(tp, part): rng.random() for tp in TP_IDS for part in ("base", "extra")}
        for week in WEEKS:
            for tp in TP_IDS:
                base = BASE_PER_WEEK[source] * TP_WEIGHTS[tp][si] / total_w
                mult, inc = incident_multiplier(tp, week)
                jitter = 1.0 + rng.uniform(-0.15, 0.15)
                counts = {}
                for part, expected in (
                    ("base", base * jitter),
                    ("extra", base * (mult - 1.0) * jitter),
                ):
                    carry[(tp, part)] += expected
                    counts[part] = int(carry[(tp, part)])
                    carry[(tp, part)] -= counts[part]
                n_base = counts["base"]
                for k in range(n_base + counts["extra"]):
                    incident = inc if k >= n_base else ""
                    sent = "neg" if incident else pick_sentiment(rng, source, tp)
                    angry = sent == "neg" and rng.random() < (0.6 if incident else ANGRY_P[source])
                    day_w: Sequence[float] = DAY_W["complaint" if source == "complaint" else source]
                    if incident == "A":
                        day_w = INCIDENT_A_DAY_W[week]
                    ts = sample_dt(rng, week, day_w, HOUR_W[source])
                    if incident == "A" and ts < RELEASE_820:
                        ts = ts.replace(hour=rng.randint(8, 23))
                    seq += 1
                    items[source].append(Item(source, week, tp, sent, angry, incident, ts, seq))
    for source in SOURCES:
        items[source].sort(key=lambda it: (it.ts, it.seq))
    return items


# ---------------------------------------------------------------------------
# Text composition
# ---------------------------------------------------------------------------

ESCALATE_P: dict[str, float] = {"survey": 0.02, "review": 0.03, "call": 0.06, "complaint": 0.12}
PII_P: dict[str, float] = {"survey": 0.03, "review": 0.02, "call": 0.16, "complaint": 0.13}


def incident_bank(item: Item, key: str, default: Sequence[str]) -> list[str]:
    """Phrase bank ``key`` of the item's incident, or ``default`` for everyday items."""
    if item.incident == "A":
        return P.INCIDENT_A[key]
    if item.incident == "B":
        return P.INCIDENT_B[key]
    return list(default)


def clause_bank(item: Item, sentiment: str) -> list[str]:
    """Clauses to draw from for an item."""
    tp = P.TOUCHPOINTS[item.tp]
    if item.incident == "A":
        return P.INCIDENT_A["neg"]
    if item.incident == "B":
        return P.INCIDENT_B["neg"]
    return list(tp[sentiment])  # type: ignore[arg-type]


def n_clauses(rng: Random, source: str, sentiment: str) -> int:
    """How many clauses the body gets (drives text length)."""
    if sentiment == "neu":
        return 1 if rng.random() < 0.85 else 2
    table = {
        "survey": (0.62, 0.3, 0.08),
        "review": (0.5, 0.36, 0.14),
        "call": (0.6, 0.4, 0.0),
        "complaint": (0.22, 0.5, 0.28),
    }[source]
    return rng.choices((1, 2, 3), weights=table, k=1)[0]


def draw_clauses(rng: Random, item: Item, sentiment: str, k: int) -> list[str]:
    """Draw ``k`` distinct clauses; baseline instalment complaints mix in fee themes."""
    bank = clause_bank(item, sentiment)
    if (
        item.tp == "card_instalment"
        and not item.incident
        and sentiment == "neg"
        and rng.random() < 0.4
    ):
        bank = P.INCIDENT_B["neg"]
    picks = rng.sample(bank, min(k, len(bank)))
    if item.incident and k > 1 and rng.random() < 0.3:  # incident text plus an everyday gripe
        picks[-1] = rng.choice(list(P.TOUCHPOINTS[item.tp]["neg"]))
    return picks


def compose(rng: Random, filler: SlotFiller, item: Item, source: str, plain: bool = False) -> str:
    """Compose a first-person customer text for ``item`` (before noise).

    ``plain`` drops openers, closers and sarcasm (agent-written ticket summaries).
    """
    s = item.sentiment
    k = n_clauses(rng, source, s)
    if s == "mixed":
        neg = join_clauses(rng, draw_clauses(rng, item, "neg", max(1, k - 1)))
        pos = rng.choice(P.POS_ASPECTS)
        if rng.random() < 0.55:
            text = pos + rng.choice(P.MIXED_JOIN_AFTER_POS) + neg
        else:
            text = neg + rng.choice(P.MIXED_JOIN_AFTER_NEG) + pos
        closer = rng.choice(P.MILD_CLOSERS) if rng.random() < 0.3 and not plain else ""
        return filler.fill(end_sentence(rng, text, force=bool(closer)) + closer)

    body = join_clauses(rng, draw_clauses(rng, item, s, k), positive=s == "pos")
    tail = ""
    if s == "neg":
        if rng.random() < 0.07 and not plain:
            body = rng.choice(P.SARCASM).replace("{x}", body)
            item.flags["sarcasm"] = True
        if rng.random() < (0.15 if source != "call" else 0.05):
            body = rng.choice(P.CONTEXTS) + body
        if rng.random() < (0.3 if item.angry else 0.08) and source != "call" and not plain:
            body = rng.choice(P.NEG_OPENERS) + body
        if rng.random() < ESCALATE_P[source] * (2 if item.angry else 1):
            tail += rng.choice(P.ESCALATIONS) + rng.choice(("。", "！", "！！"))
            item.flags["escalation"] = True
        if plain:
            pass
        elif item.angry and rng.random() < 0.6:
            tail += rng.choice(P.ANGRY_CLOSERS)
        elif not item.angry and rng.random() < 0.35:
            tail += rng.choice(P.MILD_CLOSERS)
        text = end_sentence(rng, body, item.angry, force=bool(tail)) + tail
    elif s == "pos":
        if rng.random() < 0.3 and not plain:
            body = rng.choice(P.POS_OPENERS) + body
        if rng.random() < 0.4 and not plain:
            tail = rng.choice(P.POS_CLOSERS)
        text = end_sentence(rng, body, force=bool(tail)) + tail
    else:  # neu
        if source == "survey" and rng.random() < 0.5:
            body = rng.choice(P.NEU_STATEMENTS) + ("，" + body if rng.random() < 0.5 else "")
        elif rng.random() < 0.4 and not plain:
            body = rng.choice(P.NEU_OPENERS) + body
        if rng.random() < 0.25 and not plain:
            tail = rng.choice(P.NEU_CLOSERS)
        text = end_sentence(rng, body, force=bool(tail)) + tail
    return filler.fill(text)


def add_noise(rng: Random, text: str, item: Item, has_pii: bool, emoji: bool = True) -> str:
    """Traditional script, full-width characters, typos, emoji, ASCII punctuation."""
    x = rng.random()
    if x < 0.03:
        new = to_traditional(text)
        item.flags["traditional"] = new != text
        text = new
    elif x < 0.13 and not has_pii:  # only texts with ASCII letters/digits can change
        new = to_fullwidth(text)
        item.flags["fullwidth"] = new != text
        text = new
    if rng.random() < 0.06:
        new = add_typo(rng, text)
        if new != text:
            item.flags["typo"] = True
            text = new
    if rng.random() < 0.04 and emoji:
        text += {"neg": "😡", "pos": "👍", "mixed": "🙄", "neu": "🙏"}[item.sentiment]
    if rng.random() < 0.05:
        text = text.replace("，", ",").replace("？", "?").replace("！", "!")
    return text


def with_pii(rng: Random, faker: PiiFaker, text: str, item: Item, source: str) -> tuple[str, bool]:
    """Append a fake-PII sentence with the source's probability."""
    if rng.random() >= PII_P[source]:
        return text, False
    item.flags["pii"] = True
    return end_sentence(rng, text) + faker.sentence(P.PII_SENTENCES), True


# ---------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------


class Customers:
    """Pool of fake customer ids; a few frequent callers/complainers recur."""

    def __init__(self, rng: Random, n: int = 2600) -> None:
        self.rng = rng
        seen: set[str] = set()
        self.ids: list[str] = []
        while len(self.ids) < n:
            cid = f"XH{rng.randrange(10_000_000, 100_000_000)}"
            if cid not in seen:
                seen.add(cid)
                self.ids.append(cid)
        self.frequent = self.ids[:60]

    def pick(self) -> str:
        if self.rng.random() < 0.12:
            return self.rng.choice(self.frequent)
        return self.rng.choice(self.ids)


def app_version(rng: Random, ts: datetime, incident: str) -> str:
    """App version a reviewer is on at ``ts``."""
    if incident == "A":
        return "8.2.0"
    if ts >= RELEASE_820:
        days = (ts - RELEASE_820).total_seconds() / 86400
        share = min(0.9, 0.45 + 0.05 * days) if days < 7 else 0.9
        if rng.random() < share:
            return "8.2.0"
    old_share = max(0.06, 0.2 - 0.01 * (ts.date() - WEEK_MONDAY[27]).days / 7)
    if rng.random() < old_share:
        return rng.choice(("8.0.3", "8.0.5", "8.0.5", "8.0.6"))
    return "8.1.0"


def survey_scores(rng: Random, item: Item) -> tuple[str, str]:
    """(csat, nps) consistent with sentiment, plus ~3% deliberate disagreement."""
    s = item.sentiment
    if s in ("neg", "pos") and rng.random() < 0.035:
        item.flags["score_mismatch"] = True
        if s == "neg":
            csat, nps = rng.choice((4, 5, 5)), rng.choice((9, 10))
        else:
            csat, nps = 1, rng.choice((0, 1, 2))
    elif s == "neg" and item.angry:
        csat, nps = rng.choices((1, 2), (0.75, 0.25))[0], rng.randint(0, 3)
    elif s == "neg":
        csat, nps = rng.choices((1, 2, 3), (0.3, 0.55, 0.15))[0], rng.randint(2, 5)
    elif s == "mixed":
        csat, nps = rng.choices((2, 3, 4), (0.25, 0.5, 0.25))[0], rng.randint(4, 7)
    elif s == "neu":
        csat, nps = rng.choices((3, 4, 5), (0.3, 0.5, 0.2))[0], rng.randint(6, 9)
    else:
        csat, nps = (
            rng.choices((4, 5), (0.35, 0.65))[0],
            rng.choices((8, 9, 10), (0.2, 0.35, 0.45))[0],
        )
    c, n = str(csat), str(nps)
    if rng.random() < 0.025:
        c = ""
    if rng.random() < 0.035:
        n = ""
    return c, n


def review_rating(rng: Random, item: Item) -> int:
    """Store rating consistent with the review text."""
    s = item.sentiment
    if item.incident == "A":
        return rng.choices((1, 2), (0.88, 0.12))[0]
    if s == "neg":
        return 1 if item.angry or rng.random() < 0.5 else 2
    if s == "mixed":
        return rng.choices((2, 3, 4), (0.3, 0.5, 0.2))[0]
    if s == "neu":
        return rng.choices((3, 4), (0.6, 0.4))[0]
    return rng.choices((4, 5), (0.2, 0.8))[0]


def render_surveys(seed: int, items: list[Item], customers: Customers) -> list[dict[str, str]]:
    rng = Random(f"{seed}:text:survey")
    filler, faker = SlotFiller(rng), PiiFaker(rng)
    rows: list[dict[str, str]] = []
    for it in items:
        tp = P.TOUCHPOINTS[it.tp]
        branchy = it.tp in BRANCH_TPS and it.tp != "wealth_products"
        home = "branch" if branchy else str(tp["home"])
        channel = wchoice(rng, SURVEY_CHANNELS[home])
        if channel == "branch_pad":  # pads only exist inside branches during opening hours
            d = it.ts.date() - timedelta(days=(it.ts.weekday() == 6 and rng.random() < 0.6))
            it.ts = datetime(
                d.year,
                d.month,
                d.day,
                rng.choices(range(24), HOUR_W["branch"])[0],
                rng.randrange(60),
                rng.randrange(60),
            )
        hint = it.tp if rng.random() < HINT_P[channel] else ""
        filler.set_context(it.ts, "新版本", RELEASE_820.date() if it.incident == "A" else None)
        short = None
        if not it.incident:
            if it.sentiment in ("pos", "neu") and rng.random() < 0.1:
                short = rng.choice(P.SHORT_POS if it.sentiment == "pos" else P.SHORT_NEU)
            elif it.sentiment == "neg" and rng.random() < 0.04:
                short = rng.choice(P.SHORT_NEG)
        if short is not None:
            text, has_pii = short, False
            hint = it.tp  # a bare "满意" only carries meaning through the trigger
            it.flags["short_generic"] = True
        else:
            text = compose(rng, filler, it, "survey")
            text, has_pii = with_pii(rng, faker, text, it, "survey")
            text = add_noise(rng, text, it, has_pii)
        it.text = text
        csat, nps = survey_scores(rng, it)
        sugg = ""
        if rng.random() < 0.4:
            x = rng.random()
            if x < 0.6:
                bank = incident_bank(it, "sugg", list(tp["sugg"]))
                sugg = filler.fill(rng.choice(bank))
            elif x < 0.85:
                sugg = filler.fill(rng.choice(P.GENERIC_SUGG))
            else:
                sugg = rng.choice(P.EMPTY_SUGG)
        cid = (
            ""
            if (channel == "wechat" and rng.random() < 0.3) or rng.random() < 0.05
            else customers.pick()
        )
        rows.append(
            {
                "response_id": "",
                "submitted_at": it.ts.strftime(TIME_FMT),
                "csat": csat,
                "nps": nps,
                "text": text,
                "suggestion": sugg,
                "channel": channel,
                "touchpoint": hint,
                "customer_id": cid,
            }
        )
    # branch-pad answers may have moved in time: number the responses in final time order
    order = sorted(range(len(items)), key=lambda k: (items[k].ts, items[k].seq))
    items[:] = [items[k] for k in order]
    rows = [rows[k] for k in order]
    for i, (it, row) in enumerate(zip(items, rows, strict=True), 1):
        it.rid = row["response_id"] = f"S{i:06d}"
    return rows


def render_reviews(seed: int, items: list[Item]) -> list[dict[str, str]]:
    rng = Random(f"{seed}:text:review")
    filler, faker = SlotFiller(rng), PiiFaker(rng)
    rows: list[dict[str, str]] = []
    for i, it in enumerate(items, 1):
        it.rid = f"R{i:06d}"
        tp = P.TOUCHPOINTS[it.tp]
        ver = app_version(rng, it.ts, it.incident)
        filler.set_context(it.ts, ver, RELEASE_820.date() if it.incident == "A" else None)
        text = compose(rng, filler, it, "review")
        text, has_pii = with_pii(rng, faker, text, it, "review")
        text = add_noise(rng, text, it, has_pii)
        it.text = text
        store = wchoice(rng, STORES)
        title = ""
        if rng.random() < (0.9 if store == "app_store" else 0.4):
            s = it.sentiment
            if it.incident == "A":
                title = rng.choice(P.INCIDENT_A["title"])
            elif it.incident == "B":
                title = rng.choice(P.INCIDENT_B["title"])
            elif s == "neg":
                title = rng.choice(list(tp["title"]) if rng.random() < 0.5 else P.NEG_TITLES)
            else:
                title = rng.choice(
                    {"pos": P.POS_TITLES, "neu": P.NEU_TITLES, "mixed": P.MIXED_TITLES}[s]
                )
        rows.append(
            {
                "review_id": it.rid,
                "created_at": it.ts.strftime(TIME_FMT),
                "rating": str(review_rating(rng, it)),
                "title": title,
                "text": text,
                "app_version": ver,
                "store": store,
                "app": "星海银行",
            }
        )
    return rows


def call_queue(rng: Random, tp: str) -> str:
    """Queue a call about ``tp`` lands in."""
    if tp in ("fraud_security", "repayment") and rng.random() < 0.5:
        return "retail" if tp == "fraud_security" else "credit_card"
    return str(P.TOUCHPOINTS[tp]["queue"])


def render_calls(seed: int, items: list[Item], customers: Customers) -> list[dict[str, object]]:
    rng = Random(f"{seed}:text:call")
    filler, faker = SlotFiller(rng), PiiFaker(rng)
    calls: list[dict[str, object]] = []
    for i, it in enumerate(items, 1):
        it.rid = f"CALL{i:06d}"
        filler.set_context(it.ts, "新版本", RELEASE_820.date() if it.incident == "A" else None)
        queue = call_queue(rng, it.tp)
        turns: list[tuple[str, str]] = []
        if rng.random() < 0.5:
            turns.append(("system", P.IVR_PROMPTS[0]))
            if rng.random() < 0.5:
                turns.append(("system", rng.choice(P.IVR_PROMPTS[1:])))
        greetings = [
            g for g in P.AGENT_GREETINGS if queue == "credit_card" or "信用卡中心" not in g
        ]
        turns.append(("agent", rng.choice(greetings)))
        plain = it.sentiment in ("neu", "pos")
        problem = compose(rng, filler, it, "call", plain=plain)
        if it.sentiment == "pos":
            problem = "我打电话就是想说一下，" + problem
        elif rng.random() < 0.7:
            problem = rng.choice(P.CALL_OPENERS_NEU if plain else P.CALL_OPENERS_NEG) + problem
        raw_problem = problem
        problem = add_noise(rng, problem, it, True) if rng.random() < 0.3 else problem
        turns.append(("customer", problem))
        if it.sentiment != "pos" and rng.random() < 0.6:
            turns.append(("agent", rng.choice(P.AGENT_VERIFY)))
            turns.append(("customer", filler.fill(rng.choice(P.CUSTOMER_VERIFY))))
        if rng.random() < PII_P["call"]:
            it.flags["pii"] = True
            turns.append(("customer", faker.sentence(P.CALL_PII)))
        if it.sentiment == "pos":
            turns.append(("agent", "非常感谢您的认可，我们会把您的表扬转达给相关同事。"))
        else:
            if rng.random() < 0.5:
                turns.append(("agent", rng.choice(P.AGENT_HOLD)))
            if it.incident == "A":
                line = rng.choice(P.INCIDENT_A["agent_w41" if it.week == 41 else "agent_w42"])
            elif it.incident == "B":
                line = pick_keyed(rng, P.INCIDENT_B["agent"], raw_problem, P.GENERIC_AGENT_NEG)
            else:
                generic = P.GENERIC_AGENT_NEG if it.sentiment == "neg" else P.GENERIC_AGENT_NEU
                line = pick_keyed(rng, P.AGENT_LINES[it.tp], raw_problem, generic)
            empathy = rng.choice(P.AGENT_EMPATHY) if it.sentiment == "neg" else ""
            turns.append(("agent", filler.fill(empathy + line + "。")))
            if rng.random() < 0.8:
                if it.sentiment == "neu":
                    fu, reply = rng.choice(P.NEU_FOLLOWUPS)
                else:
                    fu = rng.choice(P.CUSTOMER_FOLLOWUPS)
                    quiet = ("明白了，我回去看一下。", "行，那麻烦你了。", "好吧，那我等你们消息。")
                    reply = "" if fu in quiet else rng.choice(P.AGENT_FOLLOWUP_REPLIES)
                turns.append(("customer", fu))
                if reply:
                    turns.append(("agent", filler.fill(reply)))
        turns.append(("customer", rng.choice(P.CUSTOMER_CLOSINGS)))
        turns.append(("agent", rng.choice(P.AGENT_CLOSINGS)))
        if rng.random() < 0.3:
            turns.append(("system", rng.choice(P.IVR_SURVEY)))
        while len(turns) > 12:  # drop optional IVR turns first, then the hold line
            idx = next((j for j, t in enumerate(turns) if t[0] == "system"), None)
            if idx is None:
                idx = next(j for j, t in enumerate(turns) if t[1] in P.AGENT_HOLD)
            turns.pop(idx)
        it.text = " ".join(t for sp, t in turns if sp == "customer")
        timed = []
        t = 0.0
        for sp, text in turns:
            text = filler.fill(text) if "{" in text else text
            rate = {
                "system": 4.2,
                "agent": rng.uniform(4.5, 5.6),
                "customer": rng.uniform(3.4, 5.0),
            }[sp]
            dur = round(len(text) / rate + rng.uniform(0.3, 1.2), 2)
            timed.append(
                {"speaker": sp, "start": round(t, 2), "end": round(t + dur, 2), "text": text}
            )
            gap = rng.uniform(0.2, 1.4)
            if text in P.AGENT_HOLD:
                gap = rng.uniform(15, 75)
            elif sp == "system" and ("排队" in text or "转接" in text):
                gap = rng.uniform(8, 90)
            t = t + dur + gap
        calls.append(
            {
                "call_id": it.rid,
                "started_at": it.ts.strftime(TIME_FMT),
                "customer_id": customers.pick(),
                "queue": queue,
                "turns": timed,
            }
        )
    return calls


def complaint_times(rng: Random, opened: datetime, channel: str) -> tuple[datetime, datetime]:
    """(first_response_at, closed_at) with SLA-like distributions, before the extract cut-off."""
    x = rng.random()
    if channel in ("email", "regulator_referral") and x < 0.35:
        frt = timedelta(minutes=rng.randint(60, 26 * 60))
    elif x < 0.84:
        frt = timedelta(
            minutes=rng.choice((3, 5, 8, 10, 12, 15, 18, 20, 25, 30, 35, 40, 45, 50, 55)),
            seconds=rng.randrange(60),
        )
    elif x < 0.96:
        frt = timedelta(minutes=rng.randint(61, 300))
    else:
        frt = timedelta(hours=rng.randint(6, 30), minutes=rng.randrange(60))
    first = opened + frt
    y = rng.random()
    if channel == "regulator_referral":
        dur = timedelta(hours=rng.randint(20, 24 * 12))
    elif y < 0.86:
        dur = timedelta(hours=rng.uniform(0.5, 10))
    elif y < 0.95:
        dur = timedelta(hours=rng.uniform(24, 96))
    else:
        dur = timedelta(days=rng.uniform(4, 15))
    closed = first + timedelta(seconds=int(dur.total_seconds()))
    if closed.hour < 8 or closed.hour >= 22:  # back office closes tickets in working hours
        day = closed.date() + timedelta(days=1 if closed.hour >= 22 else 0)
        closed = datetime(
            day.year, day.month, day.day, rng.randint(8, 10), rng.randrange(60), rng.randrange(60)
        )
        closed = max(closed, first + timedelta(minutes=5))
    return first, closed


def render_complaints(seed: int, items: list[Item], customers: Customers) -> list[dict[str, str]]:
    rng = Random(f"{seed}:text:complaint")
    filler, faker = SlotFiller(rng), PiiFaker(rng)
    rows: list[dict[str, str]] = []
    for i, it in enumerate(items, 1):
        it.rid = f"TK{i:06d}"
        tp = P.TOUCHPOINTS[it.tp]
        weights = dict(COMPLAINT_CHANNELS)
        if it.tp in BRANCH_TPS:
            weights["branch"] *= 2.5
        if it.tp in REGULATOR_PRONE or it.incident == "B":
            weights["regulator_referral"] *= 1.8
        if it.incident == "A":
            weights = {
                "hotline": 0.45,
                "app": 0.42,
                "email": 0.06,
                "regulator_referral": 0.05,
                "branch": 0.02,
            }
        channel = wchoice(rng, weights)
        filler.set_context(it.ts, "新版本", RELEASE_820.date() if it.incident == "A" else None)
        formal = channel in ("hotline", "branch", "regulator_referral")  # written by staff
        body = compose(rng, filler, it, "complaint", plain=formal)
        raw_body = body
        body = end_sentence(rng, body, force=True)
        if channel == "email" and rng.random() < 0.5:
            body += faker.sentence(P.PII_SENTENCES)
            it.flags["pii"] = True
        else:
            body, _ = with_pii(rng, faker, body, it, "complaint")
        demand_bank = incident_bank(it, "demand", list(tp["demand"]))
        frame = rng.choice(P.COMPLAINT_FRAMES[channel])
        demand = pick_keyed(rng, demand_bank, raw_body, P.GENERIC_DEMANDS)
        text = frame.replace("{body}", body).replace("{demand}", demand)
        text = filler.fill(text)
        if channel == "regulator_referral":
            it.flags["escalation"] = True
        text = add_noise(rng, text, it, bool(it.flags.get("pii")), emoji=not formal)
        it.text = text
        first, closed = complaint_times(rng, it.ts, channel)
        first_s, closed_s, status = first.strftime(TIME_FMT), closed.strftime(TIME_FMT), "closed"
        recent = SNAPSHOT_AT - it.ts < timedelta(hours=40)
        if first > SNAPSHOT_AT or (recent and rng.random() < 0.35):
            status, first_s, closed_s = "open", "", ""  # nobody has picked it up yet
        elif closed > SNAPSHOT_AT or rng.random() < 0.03:  # still being worked on at extract time
            status, closed_s = ("open" if rng.random() < 0.3 else "in_progress"), ""
        if status != "closed":
            resolution = ""
        else:
            res_bank = incident_bank(it, "resolution", P.RESOLUTIONS[it.tp])
            resolution = filler.fill(pick_keyed(rng, res_bank, raw_body, P.GENERIC_RESOLUTIONS))
        rows.append(
            {
                "ticket_id": it.rid,
                "opened_at": it.ts.strftime(TIME_FMT),
                "first_response_at": first_s,
                "closed_at": closed_s,
                "category": str(tp["category"]),
                "channel": channel,
                "status": status,
                "text": text,
                "resolution": resolution,
                "customer_id": customers.pick(),
            }
        )
    return rows


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

SURVEY_COLS = [
    "response_id",
    "submitted_at",
    "csat",
    "nps",
    "text",
    "suggestion",
    "channel",
    "touchpoint",
    "customer_id",
]
REVIEW_COLS = ["review_id", "created_at", "rating", "title", "text", "app_version", "store", "app"]
COMPLAINT_COLS = [
    "ticket_id",
    "opened_at",
    "first_response_at",
    "closed_at",
    "category",
    "channel",
    "status",
    "text",
    "resolution",
    "customer_id",
]


def write_csv(path: Path, cols: list[str], rows: Iterable[dict[str, str]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    path.write_bytes(buf.getvalue().encode("utf-8"))


def write_jsonl(path: Path, rows: Iterable[dict[str, object]]) -> None:
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))


def yaml_quote(s: str) -> str:
    """Double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(s, ensure_ascii=False)


def write_problems(path: Path) -> None:
    """problems.yaml: the hand-written problem library (no randomness)."""
    out = ["# 星海银行 demo problem library (synthetic, written for the voc project)", "problems:"]
    for i, p in enumerate(P.PROBLEMS, 1):
        out.append(f"  - id: P{i:03d}")
        for key in ("title", "description", "touchpoint", "root_cause", "fix", "status", "owner"):
            out.append(f"    {key}: {yaml_quote(p[key])}")
    path.write_bytes(("\n".join(out) + "\n").encode("utf-8"))


def write_labels(path: Path, items: dict[str, list[Item]]) -> None:
    """Optional ground-truth file (not part of the bundled demo)."""
    cols = [
        "source",
        "id",
        "touchpoint",
        "sentiment",
        "angry",
        "incident",
        "score_mismatch",
        "pii",
        "traditional",
        "fullwidth",
        "typo",
        "sarcasm",
        "escalation",
        "short_generic",
    ]
    rows = []
    for source in SOURCES:
        for it in sorted(items[source], key=lambda x: x.rid):
            row = {
                "source": source,
                "id": it.rid,
                "touchpoint": it.tp,
                "sentiment": it.sentiment,
                "angry": str(int(it.angry)),
                "incident": it.incident,
            }
            for c in cols[6:]:
                row[c] = str(int(it.flags.get(c, False)))
            rows.append(row)
    write_csv(path, cols, rows)


# ---------------------------------------------------------------------------
# Statistics, README and validation
# ---------------------------------------------------------------------------


@dataclass
class Stats:
    counts: dict[str, int]
    per_week: dict[int, dict[str, int]]
    per_tp: dict[str, dict[str, int]]
    tp_week: dict[str, dict[int, int]]
    theme_week: dict[str, dict[int, int]]
    incident_week: dict[str, dict[int, int]]
    unique: dict[str, tuple[int, int]]
    flags: dict[str, int]
    reviews_a: dict[int, dict[str, int]]
    complaint_status: dict[str, int]
    frt_breach: int
    close_over_24h: int
    date_range: tuple[str, str]


def compute_stats(
    items: dict[str, list[Item]], complaints: list[dict[str, str]], reviews: list[dict[str, str]]
) -> Stats:
    counts = {s: len(items[s]) for s in SOURCES}
    per_week: dict[int, dict[str, int]] = {w: {s: 0 for s in SOURCES} for w in WEEKS}
    per_tp: dict[str, dict[str, int]] = {tp: {s: 0 for s in SOURCES} for tp in TP_IDS}
    tp_week: dict[str, dict[int, int]] = {tp: {w: 0 for w in WEEKS} for tp in TP_IDS}
    theme_week = {"A": {w: 0 for w in WEEKS}, "B": {w: 0 for w in WEEKS}}
    incident_week = {"A": {w: 0 for w in WEEKS}, "B": {w: 0 for w in WEEKS}}
    unique: dict[str, tuple[int, int]] = {}
    flags: Counter[str] = Counter()
    all_texts: list[str] = []
    stamps: list[datetime] = []
    for s in SOURCES:
        texts = []
        for it in items[s]:
            w = it.ts.isocalendar()[1]
            per_week[w][s] += 1
            per_tp[it.tp][s] += 1
            tp_week[it.tp][w] += 1
            if it.incident:
                incident_week[it.incident][w] += 1
            if THEME_A.search(it.text):
                theme_week["A"][w] += 1
            if THEME_B.search(it.text):
                theme_week["B"][w] += 1
            for k, v in it.flags.items():
                flags[k] += int(v)
            texts.append(it.text)
            stamps.append(it.ts)
        unique[s] = (len(set(texts)), len(texts))
        all_texts += texts
    unique["all"] = (len(set(all_texts)), len(all_texts))
    reviews_a: dict[int, dict[str, int]] = {w: Counter() for w in WEEKS}  # type: ignore[misc]
    for r, it in zip(reviews, items["review"], strict=True):
        if it.tp == "app_transfer":
            reviews_a[it.ts.isocalendar()[1]][f"{r['app_version']}/{r['rating']}"] += 1
    status = Counter(r["status"] for r in complaints)
    frt_breach = close24 = 0
    for r in complaints:
        o = datetime.strptime(r["opened_at"], TIME_FMT)
        if r["first_response_at"] and datetime.strptime(
            r["first_response_at"], TIME_FMT
        ) - o > timedelta(hours=1):
            frt_breach += 1
        if r["closed_at"] and datetime.strptime(r["closed_at"], TIME_FMT) - o > timedelta(hours=24):
            close24 += 1
    return Stats(
        counts,
        per_week,
        per_tp,
        tp_week,
        theme_week,
        incident_week,
        unique,
        dict(flags),
        reviews_a,
        dict(status),
        frt_breach,
        close24,
        (min(stamps).strftime(TIME_FMT), max(stamps).strftime(TIME_FMT)),
    )


def baseline_mean(series: dict[int, int], weeks: Iterable[int]) -> float:
    ws = list(weeks)
    return sum(series[w] for w in ws) / len(ws)


README_TEMPLATE = Template("""\
# 星海银行 demo corpus

A small, fully **synthetic** voice-of-customer corpus for the fictional bank
**星海银行 (Xinghai Bank)** and its app **星海银行APP**. It lets `voc` be demoed and
tested end to end without real customer data.

> **All text here is synthetic.** It was written for this project: hand-written
> Chinese phrase templates and slot values (`scripts/demo_phrases.py`), combined at
> random by `scripts/generate_demo.py`. No real customer data was used. Every phone
> number, ID number, bank-card number, e-mail address and name is **fake**. The formats
> are valid on purpose, so masking code has something to find: 18-digit IDs carry a
> correct GB 11643 check digit, card numbers pass Luhn, and e-mails use `example.*`
> domains.

Regenerate (the output is byte-identical for the same seed):

```bash
python scripts/generate_demo.py --seed $seed --out data/demo
# optional ground truth (touchpoint, sentiment, incident, noise flags) for evaluation:
python scripts/generate_demo.py --seed $seed --out data/demo --labels /tmp/demo_labels.csv
```

The generator prints the tables below and validates every file after writing it.

## Files

All files are UTF-8 with `\\n` line endings. The CSV files have a header row.

| file | records | content |
|---|---:|---|
| `surveys.csv` | $n_survey | post-service survey answers |
| `app_reviews.csv` | $n_review | app-store reviews of 星海银行APP |
| `call_transcripts.jsonl` | $n_call | call-centre transcripts, one call per line |
| `complaints.csv` | $n_complaint | complaint tickets |
| `problems.yaml` | $n_problems | known-problem library |

Total: **$n_total** records. $unique_line

* `surveys.csv`: `response_id, submitted_at, csat, nps, text, suggestion, channel,
  touchpoint, customer_id`. `csat` is 1–5 and `nps` is 0–10; a few are empty. `text`
  answers 您对本次服务有什么评价？ and `suggestion` answers 您有什么建议？, which is often
  empty. `channel` is app_popup, branch_pad, sms_survey or wechat. `touchpoint` is the id
  of the transaction that triggered the survey, empty when unknown.
* `app_reviews.csv`: `review_id, created_at, rating, title, text, app_version, store,
  app`. `rating` is 1–5. `store` is app_store, huawei, xiaomi or yingyongbao. `app` is
  always 星海银行. Titles are often empty outside app_store.
* `call_transcripts.jsonl`: `{call_id, started_at, customer_id, queue, turns}`, where each
  turn is `{speaker, start, end, text}`. `speaker` is customer, agent or system (IVR).
  Each call has 4–12 turns. `start`/`end` are seconds from the start of the call. `queue`
  is credit_card, retail, loan, wealth or general.
* `complaints.csv`: `ticket_id, opened_at, first_response_at, closed_at, category,
  channel, status, text, resolution, customer_id`. `channel` is hotline, app, branch,
  email or regulator_referral. `status` is open, in_progress or closed. Only closed
  tickets have `closed_at` and `resolution`. Open tickets nobody has picked up yet have
  no `first_response_at`. Tickets from the hotline, branches and regulators are
  summaries written by staff (客户来电反映：…); app and e-mail tickets are the customer's
  own words.
* `problems.yaml`: `problems: [{id, title, description, touchpoint, root_cause, fix,
  status, owner}]`, ids P001…, matching the complaint themes in the corpus.

## Time

* Range: ISO weeks **$year-W27 to $year-W46** ($first_day to $last_day). The first
  record is at $first_ts and the last at $last_ts.
* Timestamps are naive local times `YYYY-MM-DD HH:MM:SS` in **Asia/Shanghai**.
* Each source has its own weekday and hour pattern. Surveys and complaints peak during
  weekday office hours. Reviews peak in the evening and at weekends. Calls run from 08:00
  to 22:00. Branch-pad surveys only happen while branches are open, and tickets are
  closed during working hours.
* Complaint statuses reflect an extract taken at $snapshot. Tickets not closed by then
  are `open` or `in_progress`.

### Weekly volume

$weekly_table

Theme A: a regex for 转账失败, 转圈, 系统繁忙, 到账慢, 超时 and 交易结果未知. Theme B: 分期
together with 手续费, 费率, 利率 or 年化. Both regexes are `THEME_A`/`THEME_B` in
`generate_demo.py`. The touchpoint columns count the ground-truth touchpoint of each
record, summed over all four sources.

## Touchpoints

Twenty touchpoint ids drive the templates and the survey `touchpoint` hint. `category` is
the coarser complaint-ticket category in `complaints.csv`; several touchpoints share one.

$tp_table

Apart from the two incidents, every touchpoint keeps a stable weekly baseline. Each
(source, week, touchpoint) count is the expected value ×(1±15%), rounded by error
diffusion across weeks, so it stays within one record of that value. There are no other
spikes.

## Incidents (deliberate, for trend and alert demos)

### Incident A: transfer failures after app 8.2.0

* **When**: app version **8.2.0** is released on **Monday $release
  ($year-W41)**. The spike is in **W41**, it decays in **W42** and is back to normal
  from **W43**.
* **Touchpoint**: `app_transfer`. Incident texts describe 转账失败, 转账一直转圈, 提示系统
  繁忙, 交易结果未知, 跨行转账到账慢 and double debits, sometimes naming 8.2.0 or 新版本.
* **Design**: `app_transfer` volume in all four sources is multiplied by **$a41× in
  W41** and **$a42× in W42**, and is 1× from W43 on. In W41 the extra records cluster on
  Monday to Wednesday. All incident records are negative. Incident app reviews are
  all on 8.2.0 and rated 1 star (88%) or 2 stars. Incident calls get agent lines that
  admit the fault in W41 and say it is fixed in W42. Resolutions cite the gateway-timeout
  root cause (problem P001).
* **App versions**: before the release, reviews are on `8.1.0`, with a few on `8.0.x`.
  After it, the 8.2.0 share rises from about 45% to 90%. No review before the release
  is on 8.2.0.
* **Measured baseline** (W27–W40 mean): $a_base app_transfer records a week;
  $ta_base theme-A keyword hits a week.

$a_table

### Incident B: slow rise of instalment-fee confusion

* **When**: it starts rising after **W$b_start**, reaches **about 3× by W$b_peak** and
  stays there in W45–W46. There is no single-week spike.
* **Touchpoint**: `card_instalment`. Texts ask 分期手续费怎么算的, complain 手续费比说的高
  and 分期利率不透明, and object that 提前还款还收手续费.
* **Design**: `card_instalment` volume in all sources has multiplier
  1 + 2·(w − $b_start)/$b_span for W$b_start–W$b_peak, 1 before, 3 after. The extra records
  are negative fee-confusion texts. Even at baseline about 40% of negative instalment
  texts are about fees, so the theme never drops to zero.
* **Measured baseline** (W27–W33 mean): $b_base card_instalment records a week;
  $tb_base theme-B keyword hits a week.

$b_table

Weekly counts are small, so noise of ±2 records is expected. Judge the trend over several
weeks.

## Other properties worth knowing

* **Score–text disagreement**: $mismatch surveys ($mismatch_pct of surveys) contradict
  their text on purpose: an angry text with NPS 9–10 and CSAT 4–5, or praise with
  CSAT 1 and NPS 0–2. All other scores follow the text's sentiment.
* **Fake PII** in $pii of records: mobiles (`13812345678`, `+86 139-0000-1234`,
  `138 1234 5678`), 18-digit IDs, 16- or 19-digit card numbers (sometimes grouped by
  four), `example.*` e-mails, landlines such as `0571-87654321`, and names (我姓张，张先生).
  **Not PII, do not mask**: amounts (5000元, 5万), loan terms (12期), dates (10月6日), card
  tails (尾号1234), ID last-four digits read out in calls, agent 工号, app versions.
* **Noise**: Traditional characters in $trad of records. The script uses a hand-written
  word and character table, so a few context-dependent characters may stay simplified
  or be picked differently from OpenCC. Also: full-width letters and digits in
  $fullwidth, typos in $typo (登陆, 帐户, 以经, 再…), occasional emoji and ASCII
  punctuation, sarcasm in $sarcasm (真是好银行，…), and mixed praise-plus-complaint texts.
* **Escalation cues** (12378, 金融监管, 投诉到媒体, 律师, or a regulator referral) in
  $escalation of records.
* **Complaint SLAs**: $frt_breach of $n_complaint tickets got their first response
  after more than 1 h, and $close24 were closed more than 24 h after opening. Status
  mix: $status_mix.
* Survey hints are set for most app-popup surveys and fewer WeChat ones. Very short
  answers (满意, 无, 垃圾) always carry a hint, because the text alone names no
  touchpoint.
* `customer_id` values (`XH` + 8 digits) are shared across surveys, calls and
  complaints, and a small group of frequent customers recurs.
""")


def md_table(header: Sequence[str], align: str, rows: Iterable[Sequence[object]]) -> str:
    """Render a Markdown table; ``align`` holds one of 'l'/'r' per column."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_readme(stats: Stats, seed: int) -> str:
    """README.md for data/demo (deterministic: built from the stats)."""
    tpw, thw, incw = stats.tp_week, stats.theme_week, stats.incident_week
    a_base = baseline_mean(tpw["app_transfer"], range(27, 41))
    b_base = baseline_mean(tpw["card_instalment"], range(27, 34))
    tot = sum(stats.counts.values())
    u_all = stats.unique["all"]
    flags = stats.flags

    def pct(key: str) -> str:
        return f"{100 * flags.get(key, 0) / tot:.1f}%"

    weekly = md_table(
        [
            "ISO week",
            "Monday",
            "surveys",
            "reviews",
            "calls",
            "complaints",
            "total",
            "app_transfer",
            "theme A hits",
            "card_instalment",
            "theme B hits",
        ],
        "llrrrrrrrrr",
        [
            [
                f"{YEAR}-W{w}",
                WEEK_MONDAY[w],
                *(stats.per_week[w][s] for s in SOURCES),
                sum(stats.per_week[w].values()),
                tpw["app_transfer"][w],
                thw["A"][w],
                tpw["card_instalment"][w],
                thw["B"][w],
            ]
            for w in WEEKS
        ],
    )
    tps = md_table(
        ["touchpoint", "中文", "complaint category", "surveys", "reviews", "calls", "complaints"],
        "lllrrrr",
        [
            [
                f"`{tp}`",
                P.TOUCHPOINTS[tp]["zh"],
                P.TOUCHPOINTS[tp]["category"],
                *(stats.per_tp[tp][s] for s in SOURCES),
            ]
            for tp in TP_IDS
        ],
    )
    a_tab = md_table(
        ["week", "app_transfer records", "vs. baseline", "theme A hits", "incident records"],
        "lrrrr",
        [
            [
                f"{YEAR}-W{w}",
                tpw["app_transfer"][w],
                f"{tpw['app_transfer'][w] / a_base:.1f}×",
                thw["A"][w],
                incw["A"][w],
            ]
            for w in range(38, 46)
        ],
    )
    b_tab = md_table(
        ["week", "card_instalment records", "vs. baseline", "theme B hits", "incident records"],
        "lrrrr",
        [
            [
                f"{YEAR}-W{w}",
                tpw["card_instalment"][w],
                f"{tpw['card_instalment'][w] / b_base:.1f}×",
                thw["B"][w],
                incw["B"][w],
            ]
            for w in range(31, 47)
        ],
    )
    n_surveys = stats.counts["survey"]
    return README_TEMPLATE.substitute(
        seed=seed,
        year=YEAR,
        n_survey=stats.counts["survey"],
        n_review=stats.counts["review"],
        n_call=stats.counts["call"],
        n_complaint=stats.counts["complaint"],
        n_problems=len(P.PROBLEMS),
        n_total=tot,
        unique_line=(
            f"Unique customer texts: {u_all[0]}/{u_all[1]} ({100 * u_all[0] / u_all[1]:.1f}%); "
            "for calls the customer turns are joined into one text."
        ),
        first_day=WEEK_MONDAY[27],
        last_day=WEEK_MONDAY[46] + timedelta(days=6),
        first_ts=stats.date_range[0],
        last_ts=stats.date_range[1],
        snapshot=SNAPSHOT_AT.strftime("%Y-%m-%d %H:%M"),
        weekly_table=weekly,
        tp_table=tps,
        release=RELEASE_820.strftime("%Y-%m-%d"),
        a41=INCIDENT_A_MULT[41],
        a42=INCIDENT_A_MULT[42],
        a_base=f"{a_base:.1f}",
        ta_base=f"{baseline_mean(thw['A'], range(27, 41)):.1f}",
        a_table=a_tab,
        b_start=INCIDENT_B_START,
        b_peak=INCIDENT_B_PEAK,
        b_span=INCIDENT_B_PEAK - INCIDENT_B_START,
        b_base=f"{b_base:.1f}",
        tb_base=f"{baseline_mean(thw['B'], range(27, 34)):.1f}",
        b_table=b_tab,
        mismatch=flags.get("score_mismatch", 0),
        mismatch_pct=f"{100 * flags.get('score_mismatch', 0) / n_surveys:.1f}%",
        pii=pct("pii"),
        trad=pct("traditional"),
        fullwidth=pct("fullwidth"),
        typo=pct("typo"),
        sarcasm=pct("sarcasm"),
        escalation=pct("escalation"),
        frt_breach=stats.frt_breach,
        close24=stats.close_over_24h,
        status_mix=", ".join(f"{k} {v}" for k, v in sorted(stats.complaint_status.items())),
    )


def validate(out: Path) -> list[str]:
    """Re-read the written files and check structure; returns a list of problems."""
    errs: list[str] = []

    def ts_ok(s: str) -> datetime | None:
        try:
            return datetime.strptime(s, TIME_FMT)
        except ValueError:
            return None

    lo, hi = (
        datetime.combine(WEEK_MONDAY[27], datetime.min.time()),
        SNAPSHOT_AT + timedelta(days=30),
    )
    for name, cols, tcol in (
        ("surveys.csv", SURVEY_COLS, "submitted_at"),
        ("app_reviews.csv", REVIEW_COLS, "created_at"),
        ("complaints.csv", COMPLAINT_COLS, "opened_at"),
    ):
        with open(out / name, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames != cols:
                errs.append(f"{name}: header {reader.fieldnames}")
            for r in reader:
                t = ts_ok(r[tcol])
                if t is None or not lo <= t < hi:
                    errs.append(f"{name}: bad {tcol} {r[tcol]!r}")
                if name == "surveys.csv":
                    if (r["csat"] and not 1 <= int(r["csat"]) <= 5) or (
                        r["nps"] and not 0 <= int(r["nps"]) <= 10
                    ):
                        errs.append(f"survey score {r['response_id']}")
                    if r["touchpoint"] and r["touchpoint"] not in P.TOUCHPOINTS:
                        errs.append(f"survey touchpoint {r['touchpoint']}")
                if name == "app_reviews.csv":
                    if not 1 <= int(r["rating"]) <= 5:
                        errs.append(f"review rating {r['review_id']}")
                    if r["app_version"] == "8.2.0" and t is not None and t < RELEASE_820:
                        errs.append(f"8.2.0 before release {r['review_id']}")
                if name == "complaints.csv":
                    f1 = ts_ok(r["first_response_at"]) if r["first_response_at"] else None
                    c1 = ts_ok(r["closed_at"]) if r["closed_at"] else None
                    if r["first_response_at"] and (f1 is None or t is None or f1 < t):
                        errs.append(f"complaint first_response {r['ticket_id']}")
                    if r["closed_at"] and (c1 is None or f1 is None or c1 < f1):
                        errs.append(f"complaint closed {r['ticket_id']}")
                    if (r["status"] == "closed") != bool(r["closed_at"]) or (
                        r["status"] == "closed"
                    ) != bool(r["resolution"]):
                        errs.append(f"complaint status/closed/resolution {r['ticket_id']}")
                if not r["text"].strip():
                    errs.append(f"{name}: empty text")
    with open(out / "call_transcripts.jsonl", encoding="utf-8") as fh:
        for ln, line in enumerate(fh, 1):
            c = json.loads(line)
            if list(c) != ["call_id", "started_at", "customer_id", "queue", "turns"]:
                errs.append(f"call line {ln} keys")
            if ts_ok(c["started_at"]) is None:
                errs.append(f"call line {ln} started_at")
            if not 4 <= len(c["turns"]) <= 12:
                errs.append(f"call line {ln} has {len(c['turns'])} turns")
            prev = 0.0
            for t in c["turns"]:
                if t["speaker"] not in ("customer", "agent", "system") or not (
                    prev <= t["start"] < t["end"]
                ):
                    errs.append(f"call line {ln} turn timing/speaker")
                prev = t["end"]
    # PII validity spot checks
    text = "\n".join(
        (out / f).read_text(encoding="utf-8")
        for f in ("surveys.csv", "app_reviews.csv", "complaints.csv", "call_transcripts.jsonl")
    )
    for m in re.finditer(r"(?<!\d)\d{17}[\dX](?!\d)", text):
        if id_check_digit(m.group()[:17]) != m.group()[-1]:
            errs.append(f"bad ID checksum {m.group()}")
    for m in re.finditer(r"(?<![\d ])62\d{2}(?: ?\d{4}){2,3}(?: ?\d{3,4})(?![\d])", text):
        digits = m.group().replace(" ", "")
        if len(digits) in (16, 19) and not luhn_valid(digits):
            errs.append(f"bad card Luhn {m.group()}")
    return errs


def print_report(stats: Stats, errors: list[str]) -> None:
    """Human-readable summary on stdout."""
    tot = sum(stats.counts.values())
    print("== counts per source ==")
    for s in SOURCES:
        u = stats.unique[s]
        uniq = f"unique texts {u[0]}/{u[1]} = {u[0] / u[1]:.1%}"
        print(f"  {SOURCE_FILES[s]:<24} {stats.counts[s]:>5}   {uniq}")
    ua = stats.unique["all"]
    print(f"  {'TOTAL':<24} {tot:>5}   unique texts {ua[0]}/{ua[1]} = {ua[0] / ua[1]:.1%}")
    print(f"  date range {stats.date_range[0]} .. {stats.date_range[1]}")
    print(
        "\n== per ISO week: survey review call complaint | total | "
        "app_transfer themeA incA | card_instalment themeB incB =="
    )
    tpw, thw, incw = stats.tp_week, stats.theme_week, stats.incident_week
    for w in WEEKS:
        pw = stats.per_week[w]
        per_source = " ".join(f"{pw[s]:>3}" for s in SOURCES)
        a = f"{tpw['app_transfer'][w]:>3} {thw['A'][w]:>3} {incw['A'][w]:>3}"
        b = f"{tpw['card_instalment'][w]:>3} {thw['B'][w]:>3} {incw['B'][w]:>3}"
        print(f"  {YEAR}-W{w}  {per_source} | {sum(pw.values()):>3} | {a} | {b}")
    print("\n== per touchpoint (survey/review/call/complaint = total; weekly min..max) ==")
    for tp in TP_IDS:
        c = stats.per_tp[tp]
        ws = [tpw[tp][w] for w in WEEKS]
        split = "/".join(f"{c[s]:>3}" for s in SOURCES)
        print(f"  {tp:<18} {split} = {sum(c.values()):>4}   weekly {min(ws)}..{max(ws)}")
    print("\n== app_transfer reviews by week: version/rating ==")
    for w in range(39, 45):
        print(f"  W{w}: " + ", ".join(f"{k}:{v}" for k, v in sorted(stats.reviews_a[w].items())))
    print("\n== flags ==")
    for k in sorted(stats.flags):
        print(f"  {k:<15} {stats.flags[k]:>4}  ({stats.flags[k] / tot:.1%} of all records)")
    status = dict(sorted(stats.complaint_status.items()))
    print(
        f"  complaint status {status}; first response > 1h: {stats.frt_breach}; "
        f"closed > 24h after opening: {stats.close_over_24h}"
    )
    print("\n== validation ==")
    print("  OK" if not errors else "\n".join("  " + e for e in errors[:50]))


def generate(seed: int, out: Path, labels: Path | None = None, quiet: bool = False) -> int:
    """Generate everything into ``out``; returns a process exit code."""
    out.mkdir(parents=True, exist_ok=True)
    items = plan(seed)
    customers = Customers(Random(f"{seed}:customers"))
    surveys = render_surveys(seed, items["survey"], customers)
    reviews = render_reviews(seed, items["review"])
    calls = render_calls(seed, items["call"], customers)
    complaints = render_complaints(seed, items["complaint"], customers)
    write_csv(out / "surveys.csv", SURVEY_COLS, surveys)
    write_csv(out / "app_reviews.csv", REVIEW_COLS, reviews)
    write_jsonl(out / "call_transcripts.jsonl", calls)
    write_csv(out / "complaints.csv", COMPLAINT_COLS, complaints)
    write_problems(out / "problems.yaml")
    stats = compute_stats(items, complaints, reviews)
    (out / "README.md").write_bytes(render_readme(stats, seed).encode("utf-8"))
    if labels is not None:
        write_labels(labels, items)
    errors = validate(out)
    if not quiet:
        print_report(stats, errors)
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--out", type=Path, default=Path("data/demo"))
    ap.add_argument(
        "--labels", type=Path, default=None, help="also write ground-truth labels CSV here"
    )
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    return generate(args.seed, args.out, args.labels, args.quiet)


if __name__ == "__main__":
    raise SystemExit(main())
