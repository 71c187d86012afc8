"""Mask personal data in customer text before anything is stored.

Regulators (PIPL, PBoC data rules) forbid keeping customers' phone numbers,
ID numbers, card numbers, e-mail addresses and names in analytics stores, so
every text is passed through :func:`mask_pii` first. Each hit is replaced by a
typed placeholder (``[手机号]``, ``[座机]``, ``[身份证]``, ``[银行卡]``,
``[邮箱]``, ``[姓名]``) so the *kind* of data a customer mentioned stays
visible to the topic models.

Design choices:

* Numbers are matched on maximal digit runs (``(?<![0-9])`` / ``(?![0-9])``),
  so part of a longer serial is never masked; a number written in groups
  (``138 0013 8000``) must not continue with another 3+ digit group in the same
  separator either (``0300 0000 0000 0000 005`` is not a landline). Runs that
  are only *shaped* like
  PII must also pass a checksum (GB 11643 ID check character, Luhn for cards)
  or a plausibility rule (province code, birth date), which keeps amounts,
  dates, loan terms, order numbers that fail the checksums, versions, card
  tails (``尾号1234``) and 6-digit SMS codes readable.
* Masking errs on the safe side: any Luhn-valid 16-19 digit run is treated as
  a card, any ``1[3-9]`` 11-digit run as a mobile number, and a 0-prefixed
  area code + 7-8 digits as a landline (also without separator). A 4x4 card
  grouping followed by a short extra group (``6222 ... 7890 2次``) is masked
  when its 16 digits pass Luhn on their own.
* Service numbers (95588, 12378, 400/800 numbers) never match: they are too
  short or do not start with an area code.
* Names are found cheaply: a common surname directly before an honorific
  (``张先生`` -> ``[姓名]先生``; before 先生/女士/小姐 also with a one- or
  two-character given name, ``张三先生``), or a name after an explicit cue
  (``我叫``, ``我是``, ``姓名：``). Ambiguous surname characters (于, 向, 和,
  万, ...) are left out of the list and common words ending in a surname
  character (``基金经理``, ``感谢老师``, ``上周经理``) are blocked. Names with
  no cue (``客户张三来电``) are not found.
* Matching runs on a copy with full-width ASCII mapped to half-width (same
  length, so offsets are shared), so ``１３８００１３８０００`` is caught even
  before :func:`voc.text.normalise.normalise_text` has run.
* Texts with no run of 7+ digits, no ``@`` and no name cue return after three
  cheap searches, which keeps the common case at a few microseconds.
* ``mask_pii`` is idempotent: placeholders never look like PII, and it repeats
  :func:`find_pii` until nothing is left (masking one number can expose its
  neighbour as a whole group; a second pass is rarely needed).
"""

from __future__ import annotations

import datetime as _dt
import functools
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "PLACEHOLDERS",
    "PiiKind",
    "PiiMatch",
    "find_pii",
    "id_check_char",
    "is_mobile",
    "is_valid_resident_id",
    "luhn_valid",
    "mask_pii",
]

PiiKind = Literal["phone", "landline", "id_card", "bank_card", "email", "name"]

#: Placeholder written in place of each kind of personal data.
PLACEHOLDERS: dict[str, str] = {
    "phone": "[手机号]",
    "landline": "[座机]",
    "id_card": "[身份证]",
    "bank_card": "[银行卡]",
    "email": "[邮箱]",
    "name": "[姓名]",
}


@dataclass(frozen=True, slots=True)
class PiiMatch:
    """One piece of personal data found in a text (``text[start:end]``)."""

    kind: PiiKind
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        """The placeholder that replaces this match in :func:`mask_pii`."""
        return PLACEHOLDERS[self.kind]


# --------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------

#: Province-level region codes (first two digits of a resident ID).
_PROVINCE_CODES = (
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83"
)
_PROVINCES = frozenset(_PROVINCE_CODES.split())
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_LUHN_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_SURELY_PAST = _dt.date(2025, 1, 1)


def _ascii_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _plausible_birth_date(year: int, month: int, day: int) -> bool:
    if year < 1900:
        return False
    try:
        born = _dt.date(year, month, day)
    except ValueError:
        return False
    # date.today() costs microseconds; only recent dates need it.
    return born < _SURELY_PAST or born <= _dt.date.today()


def id_check_char(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of a resident ID.

    Args:
        first17: Exactly 17 ASCII digits.

    Returns:
        One of ``"0123456789X"``.

    Raises:
        ValueError: If ``first17`` is not 17 ASCII digits.
    """
    if len(first17) != 17 or not _ascii_digits(first17):
        raise ValueError(f"expected 17 ASCII digits, got {first17!r}")
    total = sum(map(operator.mul, map(int, first17), _ID_WEIGHTS))
    return _ID_CHECK_CHARS[total % 11]


def is_valid_resident_id(s: str) -> bool:
    """Whether ``s`` is a plausible PRC resident ID number.

    Checking the birth date, the province code and (for the 18-digit form) the
    GB 11643 check character keeps random 15/18-digit serials from being
    masked as IDs.

    18-digit form: province code (or ``9`` + province code, the 2023
    foreigner's permanent-residence format), birth date YYYYMMDD at positions
    6-14 between 1900-01-01 and today, and a matching check character (``X`` or
    ``x`` for 10). 15-digit (pre-1999) form: province code and a valid
    19YYMMDD date at positions 6-12.

    Args:
        s: The candidate, digits only (no spaces or dashes).
    """
    if len(s) == 18:
        body, check = s[:17], s[17].upper()
        if not (_ascii_digits(body) and check in _ID_CHECK_CHARS):
            return False
        region_ok = s[:2] in _PROVINCES or (s[0] == "9" and s[1:3] in _PROVINCES)
        if not region_ok:
            return False
        if not _plausible_birth_date(int(s[6:10]), int(s[10:12]), int(s[12:14])):
            return False
        return id_check_char(body) == check
    if len(s) == 15:
        if not _ascii_digits(s) or s[:2] not in _PROVINCES:
            return False
        return _plausible_birth_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    return False


def luhn_valid(digits: str) -> bool:
    """Whether ``digits`` (ASCII digits only, at least 2) passes the Luhn check.

    Bank card numbers carry a Luhn check digit; requiring it stops most order
    and transaction numbers from being masked as cards.
    """
    if len(digits) < 2 or not _ascii_digits(digits):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        total += _LUHN_DOUBLED[d] if i & 1 else d
    return total % 10 == 0


_MOBILE_FULL_RE = re.compile(r"(?:\+?86|0086)?1[3-9][0-9]{9}")


def is_mobile(digits: str) -> bool:
    """Whether ``digits`` is a mainland mobile number (``1[3-9]`` + 9 digits).

    Spaces and dashes are ignored and a ``+86`` / ``86`` / ``0086`` country
    prefix is accepted, so ``"+86 138-0013-8000"`` is a mobile number.
    """
    compact = digits.replace(" ", "").replace("-", "")
    return _MOBILE_FULL_RE.fullmatch(compact) is not None


# --------------------------------------------------------------------------
# Patterns (the small ones compiled at import, ~2 ms in all)
# --------------------------------------------------------------------------

# Full-width ASCII -> half-width, used for the matching view only. Every
# mapping is one code point to one code point, so offsets are unchanged. The
# view is only built when the text has full-width digits, letters, ＠, ＋ or －:
# full-width punctuation (，（）：) is in almost every Chinese text, so the
# patterns accept both forms of it instead.
_FULLWIDTH_TO_ASCII = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH_GATE_RE = re.compile("[０-９Ａ-Ｚａ-ｚ＠＋－]")

_HONORIFICS = ("先生", "女士", "小姐", "老师", "经理", "阿姨", "师傅")
_NAME_CUES = (
    "我叫",
    "我是",
    "本人",
    "名字",
    "姓名",
    "户名",
    "联系人",
    "持卡人",
    "收款人",
    "开户人",
    "客户名",
    "叫做",
)

# Cheap gate on the raw text: 7+ digits (single separators allowed), an
# at-sign or a name cue. Three simple searches beat one alternation.
_PRECHECK_DIGITS_RE = re.compile(r"[0-9０-９](?:[ \-－]?[0-9０-９]){6}")
_DIGITS_RE = re.compile(r"[0-9](?:[ \-]?[0-9]){6}")
_LONG_DIGITS_RE = re.compile(r"[0-9](?:[ \-]?[0-9]){14}")
_NAME_CUE_RE = re.compile("|".join(_HONORIFICS + _NAME_CUES))

_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
)
# A final X ends the number by itself; a final digit needs (?![0-9]).
_ID18_RE = re.compile(
    r"(?<![0-9])(?:[0-9]{17}|[0-9]{6}(?P<sep>[ \-])[0-9]{8}(?P=sep)[0-9]{3})"
    r"(?:[0-9](?![0-9])|[Xx])"
)
_ID15_RE = re.compile(r"(?<![0-9])[0-9]{15}(?![0-9])")
_CARD_RE = re.compile(
    r"(?<![0-9])(?:[0-9]{16,19}"
    r"|(?P<head>[0-9]{4}(?P<sep>[ \-])[0-9]{4}(?P=sep)[0-9]{4}(?P=sep)[0-9]{4})"
    r"(?:(?P=sep)[0-9]{1,3})?)(?![0-9])"
)
# A prefix that starts with a digit needs the digit lookbehind; "+86" does not.
_MOBILE_RE = re.compile(
    r"(?:(?:[(（]\+86[)）]|\+86|(?<![0-9])(?:0086|86))[ \-]?|(?<![0-9]))"
    r"1[3-9][0-9](?P<sep>[ \-]?)[0-9]{4}(?P=sep)[0-9]{4}(?![0-9])"
)
_AREA = r"0(?:10|2[0-9]|[3-9][0-9]{2})"
_LANDLINE_RE = re.compile(
    rf"(?:[(（]{_AREA}[)）][ \-]?|(?<![0-9]){_AREA}[ \-]?)"
    r"(?:[0-9]{7,8}|[0-9]{3,4}[ \-][0-9]{4})(?![0-9])"
)

# ~130 common single-character surnames. Left out on purpose because they are
# everyday words that often stand right before an honorific: 于 向 和 常 成 时
# 应 全 单 商 师 明 车 路 农 万 费 房 游 解 华 阳 连 边 祝 查 米 小 老.
_SINGLE_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
    "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹"
    "薛闫段雷侯龙史陶黎贺顾毛郝龚邵钱严覃武戴莫孔汤康易乔赖文施洪辛柯庄温鲁牛樊"
    "葛邢安齐伍庞颜倪聂章岳翟殷詹申欧耿关兰焦俞左柳甘包宁尚符舒阮纪梅童凌毕季裴"
    "霍涂苗谷盛曲翁冉骆蓝靳管柴蒙鲍喻祁蒲滕屈饶牟艾尤穆卓古吉缪简项褚娄窦岑景党"
    "宫卜冷晏卫柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘池苑迟邝"
)
_DOUBLE_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "司徒",
    "皇甫",
    "令狐",
    "慕容",
    "夏侯",
    "公孙",
    "长孙",
    "宇文",
    "尉迟",
    "端木",
    "南宫",
    "独孤",
)
_SURNAME = "(?:" + "|".join(_DOUBLE_SURNAMES) + "|[" + _SINGLE_SURNAMES + "])"

# Words that end in a surname character: {surname: characters that, placed
# before it, make an ordinary word (基金, 感谢, 上周, 分钟, ...)}.
_SURNAME_BLOCKERS: dict[str, str] = {
    "金": "基现资奖黄白铂年租本押定订美薪佣证约积休老息",
    "文": "语中英日韩法德俄作人天课公原全",
    "史": "历",
    "安": "保平公治晚早午",
    "卫": "门保后警",
    "任": "主责信担前现上继新兼",
    "管": "主宿监保托物城高分",
    "方": "对甲乙双官我你校院行警贷借买卖资男女地东西南北一各",
    "程": "课工流过全行日进规章",
    "关": "公海机相有无",
    "戚": "亲",
    "席": "主出首",
    "易": "交贸容简",
    "林": "园森少",
    "包": "红钱书打承外",
    "石": "钻宝",
    "白": "明表坦告空",
    "高": "最提很太较更偏过身升好挺超真增拔么多不",
    "康": "健",
    "贺": "祝庆",
    "顾": "照回光惠",
    "侯": "时等问气伺",
    "付": "支应对垫交预偿给兑已先",
    "范": "模示规防",
    "钟": "分点时闹",
    "苏": "江复",
    "余": "其多剩业结",
    "许": "也或允些少期默",
    "谢": "感谢多致答鸣",
    "周": "上下本这每一两半周次",
    "张": "紧主嚣夸慌开一两这那",
    "李": "行",
    "何": "如任为几奈",
    "夏": "华",
    "钱": "借还存取转花赚挣要退扣没有的付给收零价本多少块",
    "童": "儿",
    "陆": "大登",
}

_HAN = "\u4e00-\u9fff"
# 们: 女士们/先生们 are groups; 小姐姐 is slang; 经理财 is "曾经理财" (once managed money).
_HONORIFIC_AHEAD = r"(?:(?:先生|女士|老师|阿姨|师傅)(?!们)|小姐(?![姐们])|经理(?![财们]))"
# What may follow a name introduced by a cue.
_FOLLOW = (
    r"(?:先生|女士|小姐|老师|经理|阿姨|师傅|的|本人|啊|呀|哦|吧|呢|电话|手机|身份证|卡号|账号"
    r"|地址|性别|来电)"
)
# Punctuation, whitespace or a digit may end a cue name. "[" is deliberately
# absent: a placeholder must not turn a non-name into a name on a second pass.
_CUE_BOUNDARY = r"(?:[\s0-9,.!?;:~、。…)」』”’\"'/|，．！？；：～）]|$)"

# Position of each honorific; the surname before it is checked in Python, which
# is several times faster than a regex alternation of ~150 surnames.
_HONORIFIC_AT_RE = re.compile(rf"(?={_HONORIFIC_AHEAD})")
_SINGLE_SET = frozenset(_SINGLE_SURNAMES)
_DOUBLE_SET = frozenset(_DOUBLE_SURNAMES)
# Honorifics that follow a full name as well as a bare surname (张三先生). Job
# titles (经理, 老师, 师傅, 阿姨) often follow ordinary words (项目经理,
# 安装师傅), so only a bare surname is taken before them.
_FULL_NAME_HONORIFICS = ("先生", "女士", "小姐")
# Characters that sit between words but hardly ever in a given name.
_NOT_GIVEN_NAME = frozenset("的了是在和与及位个们也都就说给把被让向对跟从这那些每各某我你他她它您")
_CUE_NAME_PATTERN = (
    r"(?:我叫|我是|本人叫|本人是|名字叫|名字是|姓名是|姓名为|户名是|户名为|叫做) ?"
    rf"(?P<name>{_SURNAME}(?={_HONORIFIC_AHEAD})"
    rf"|{_SURNAME}[{_HAN}]{{1,2}}?(?={_FOLLOW}|{_CUE_BOUNDARY}))"
)
_LABEL_NAME_PATTERN = (
    r"(?:姓名|名字|户名|联系人|持卡人|收款人|开户人|客户名) ?[:：] ?"
    rf"(?P<name>[{_HAN}](?={_HONORIFIC_AHEAD})"
    rf"|[{_HAN}](?:·?[{_HAN}]){{1,5}}?(?={_FOLLOW}|[^{_HAN}·]|$)"
    rf"|[{_HAN}]{{2,3}})"
)
# Place / product words that start with a surname character and follow 我是.
_NOT_NAME_WORDS = (
    "华夏 宁波 宁夏 江苏 江西 安徽 武汉 甘肃 吉林 苏州 温州 金华 郑州 岳阳 沈阳 柳州 桂林 "
    "兰州 包头 唐山 秦皇 徐州 许昌 周口 黄山 石家 马鞍 余额 项目 程序 曾经 黄金 白金 钻石 "
    "高级 高端 江门 贵阳 潘家 龙岗 罗湖 鲁能 杭州 潮州 谢谢 白领 高龄 高个 高大"
)
_NOT_NAMES = frozenset(_NOT_NAME_WORDS.split())


# --------------------------------------------------------------------------
# Finding and masking
# --------------------------------------------------------------------------


def _whole_group(view: str, start: int, end: int) -> bool:
    """Whether a match written with separators is not part of a longer grouping.

    ``0300 0000 0000`` inside ``0300 0000 0000 0000 005`` is not a landline:
    reject a grouped match when the same separator continues with a group of
    3+ digits on either side. A short tail such as `` 2次`` is allowed.
    """
    seps = [c for c in " -" if c in view[start:end]]
    if not seps:
        return True
    after = view[end + 1 : end + 4]
    if view[end : end + 1] in seps and len(after) == 3 and _ascii_digits(after):
        return False
    before = view[start - 4 : start - 1] if start >= 4 else ""
    starts_with_digit = "0" <= view[start] <= "9"
    return not (starts_with_digit and view[start - 1] in seps and _ascii_digits(before))


def _card_span(m: re.Match[str]) -> tuple[int, int] | None:
    view = m.string
    digits = m.group().replace(" ", "").replace("-", "")
    if len(digits) == 17 and view[m.end() : m.end() + 1] in ("X", "x"):
        return None  # shaped like a resident ID (17 digits + X) that failed its check
    if luhn_valid(digits):
        return m.span() if _whole_group(view, *m.span()) else None
    head = m.group("head")
    # 4x4 grouping followed by a short extra group (a typo or an unrelated
    # count): mask the 16 digits if they pass on their own, privacy first.
    partial = head is not None and len(head) != m.end() - m.start()
    if partial and luhn_valid(head.replace(head[4], "")):
        end = m.start() + len(head)
        return (m.start(), end) if _whole_group(view, m.start(), end) else None
    return None


def _id_span(m: re.Match[str]) -> tuple[int, int] | None:
    compact = m.group().replace(" ", "").replace("-", "")
    if is_valid_resident_id(compact) and _whole_group(m.string, *m.span()):
        return m.span()
    return None


def _phone_span(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span() if _whole_group(m.string, *m.span()) else None


def _surname_at(view: str, start: int, length: int) -> bool:
    if length == 2:
        return view[start : start + 2] in _DOUBLE_SET
    surname = view[start]
    if surname not in _SINGLE_SET:
        return False
    return start == 0 or view[start - 1] not in _SURNAME_BLOCKERS.get(surname, "")


def _given_name_ok(given: str) -> bool:
    return all("\u4e00" <= c <= "\u9fff" and c not in _NOT_GIVEN_NAME for c in given)


def _honorific_spans(view: str) -> list[tuple[int, int]]:
    """Name spans directly before an honorific (张先生, 欧阳女士, 王小明先生).

    The longest plausible name wins: surname (double first) plus up to two
    given-name characters before 先生/女士/小姐, the bare surname otherwise.
    """
    spans = []
    for m in _HONORIFIC_AT_RE.finditer(view):
        at = m.start()
        max_given = 2 if view.startswith(_FULL_NAME_HONORIFICS, at) else 0
        for total in range(max_given + 2, 0, -1):
            start = at - total
            if start < 0:
                continue
            span = None
            for surname_len in (2, 1):
                given = view[start + surname_len : at]
                if not 0 <= total - surname_len <= max_given:
                    continue
                if not _surname_at(view, start, surname_len):
                    continue
                if given and (not _given_name_ok(given) or view[start : start + 2] in _NOT_NAMES):
                    continue
                span = (start, at)
                break
            if span is not None:
                spans.append(span)
                break
    return spans


def _cue_span(m: re.Match[str]) -> tuple[int, int] | None:
    name = m.group("name")
    if name[:2] in _NOT_NAMES:
        return None
    return m.span("name")


def _label_span(m: re.Match[str]) -> tuple[int, int] | None:
    return m.span("name")


_SpanOf = Callable[[re.Match[str]], "tuple[int, int] | None"]
_Rule = tuple[PiiKind, re.Pattern[str], _SpanOf]

_NUMERIC_RULES: tuple[_Rule, ...] = (
    ("id_card", _ID18_RE, _id_span),
    ("id_card", _ID15_RE, _id_span),
    ("bank_card", _CARD_RE, _card_span),
    ("phone", _MOBILE_RE, _phone_span),
    ("landline", _LANDLINE_RE, _phone_span),
)
_PHONE_RULES = _NUMERIC_RULES[3:]


@functools.cache
def _name_rules() -> tuple[_Rule, ...]:
    """Name rules, compiled on first use (the two big patterns take ~6 ms)."""
    # Explicit labels and cues first: they cover a whole name; _honorific_spans
    # runs after them (see find_pii).
    return (
        ("name", re.compile(_LABEL_NAME_PATTERN), _label_span),
        ("name", re.compile(_CUE_NAME_PATTERN), _cue_span),
    )


def find_pii(text: str) -> list[PiiMatch]:
    """Find personal data in ``text``.

    Rules run in priority order (e-mail, ID, card, mobile, landline, labelled
    and cued names, names before honorifics); a candidate overlapping an
    accepted match is dropped, so each character belongs to at most one match.
    This is a single pass; :func:`mask_pii` may find more on its next pass.

    Args:
        text: Customer text (normalised or raw; full-width digits are handled).

    Returns:
        Non-overlapping matches sorted by ``start``; offsets index ``text``.
    """
    if not text or not (
        "@" in text
        or "＠" in text
        or _PRECHECK_DIGITS_RE.search(text) is not None
        or _NAME_CUE_RE.search(text) is not None
    ):
        return []
    view = text.translate(_FULLWIDTH_TO_ASCII) if _FULLWIDTH_GATE_RE.search(text) else text
    found: list[PiiMatch] = []

    def overlaps(start: int, end: int) -> bool:
        return any(start < other.end and other.start < end for other in found)

    def accept(kind: PiiKind, start: int, end: int) -> None:
        if not overlaps(start, end):
            found.append(PiiMatch(kind, start, end))

    if "@" in view:
        for m in _EMAIL_RE.finditer(view):
            accept("email", m.start(), m.end())
    rules: list[_Rule] = []
    if _DIGITS_RE.search(view) is not None:
        # IDs and cards need 15+ digits; skip their patterns when there are none.
        has_long = _LONG_DIGITS_RE.search(view) is not None
        rules.extend(_NUMERIC_RULES if has_long else _PHONE_RULES)
    has_name_cue = _NAME_CUE_RE.search(view) is not None
    if has_name_cue:
        rules.extend(_name_rules())
    for kind, pattern, span_of in rules:
        pos = 0
        while (m := pattern.search(view, pos)) is not None:
            span = None if overlaps(*m.span()) else span_of(m)
            if span is None:
                pos = m.start() + 1  # retry later starts inside a rejected candidate
            else:
                accept(kind, *span)
                pos = max(span[1], m.start() + 1)
    if has_name_cue:
        for start, end in _honorific_spans(view):
            accept("name", start, end)
    found.sort(key=lambda match: match.start)
    return found


_MAX_PASSES = 16


def mask_pii(text: str) -> str:
    """Replace personal data in ``text`` with typed placeholders.

    ``"我叫张三，电话138 0013 8000"`` -> ``"我叫[姓名]，电话[手机号]"``. Text
    without PII is returned unchanged (the same object). Idempotent.

    Args:
        text: Customer text.

    Returns:
        The masked text.
    """
    # Usually one pass. A second pass is needed when masking a number exposes
    # its neighbour as a whole group (``138 0013 8000 13900139000``); looping
    # until nothing is found is what makes the function idempotent.
    for _ in range(_MAX_PASSES):
        matches = find_pii(text)
        if not matches:
            break
        text = _replace(text, matches)
    return text


def _replace(text: str, matches: list[PiiMatch]) -> str:
    parts: list[str] = []
    last = 0
    for match in matches:
        parts.append(text[last : match.start])
        parts.append(PLACEHOLDERS[match.kind])
        last = match.end
    parts.append(text[last:])
    return "".join(parts)
