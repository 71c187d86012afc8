"""Tests for voc.text.pii.

All ID and card numbers are generated here (check characters computed by the
helpers below, independently of the module), never real people's data.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from voc.text.pii import (
    PiiMatch,
    find_pii,
    id_check_char,
    is_mobile,
    is_valid_resident_id,
    luhn_valid,
    mask_pii,
)

# --------------------------------------------------------------------------
# Independent helpers to build valid test numbers
# --------------------------------------------------------------------------

_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]  # 7, 9, 10, 5, ... per GB 11643
_PROVINCES = ["11", "31", "32", "33", "44", "51", "65", "71", "81", "82"]


def make_id(region: str, born: dt.date, seq: str) -> str:
    """18-digit resident ID with a correct check character."""
    body = f"{region}{born:%Y%m%d}{seq}"
    check = (12 - sum(int(c) * w for c, w in zip(body, _WEIGHTS, strict=True)) % 11) % 11
    return body + ("X" if check == 10 else str(check))


def luhn_check_digit(body: str) -> str:
    """Digit that makes ``body + digit`` pass Luhn."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these positions are doubled once the check digit is appended
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def make_card(body: str) -> str:
    return body + luhn_check_digit(body)


def group4(digits: str, sep: str = " ") -> str:
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


ID_DIGIT = make_id("110105", dt.date(1985, 6, 15), "123")
ID_X = next(
    make_id("330106", dt.date(1990, 1, 1), f"{seq:03d}")
    for seq in range(1000)
    if make_id("330106", dt.date(1990, 1, 1), f"{seq:03d}").endswith("X")
)
CARD_16 = make_card("622202123456789")
CARD_19 = make_card("622848001234567890")


def test_pii_helpers_agree_with_module() -> None:
    assert _WEIGHTS == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    assert id_check_char(ID_DIGIT[:17]) == ID_DIGIT[17]
    assert ID_X.endswith("X")
    assert luhn_valid("79927398713")  # textbook Luhn example
    assert not ID_DIGIT.endswith("X")


# --------------------------------------------------------------------------
# Validators
# --------------------------------------------------------------------------


def test_pii_resident_id_validator() -> None:
    assert is_valid_resident_id(ID_DIGIT)
    assert is_valid_resident_id(ID_X)
    assert is_valid_resident_id(ID_X[:17] + "x")
    wrong = ID_DIGIT[:17] + str((int(ID_DIGIT[17]) + 1) % 10)
    assert not is_valid_resident_id(wrong)


@pytest.mark.parametrize(
    "candidate",
    [
        make_id("001105", dt.date(1985, 6, 15), "123"),  # region 00, valid check char
        make_id("991105", dt.date(1985, 6, 15), "123"),  # region 99
        make_id("110105", dt.date(1985, 6, 15), "123")[:-1] + "Y",  # not a check char
        "110105" + "19850230" + "1234",  # 30 February
        "1101051985061512",  # 16 digits
        "11010519850615123",  # 17 digits
        "",
    ],
)
def test_pii_resident_id_validator_rejects(candidate: str) -> None:
    assert not is_valid_resident_id(candidate)


def test_pii_resident_id_rejects_dates_outside_1900_today() -> None:
    old = make_id("110105", dt.date(1899, 12, 31), "001")
    future = make_id("110105", dt.date.today() + dt.timedelta(days=1), "001")
    assert not is_valid_resident_id(old)
    assert not is_valid_resident_id(future)


def test_pii_resident_id_old_15_digit_form() -> None:
    assert is_valid_resident_id("110105851231123")
    assert not is_valid_resident_id("110105851331123")  # month 13
    assert not is_valid_resident_id("990105851231123")  # no such province


def test_pii_luhn_validator() -> None:
    assert luhn_valid(CARD_16)
    assert luhn_valid(CARD_19)
    assert not luhn_valid(CARD_16[:-1] + str((int(CARD_16[-1]) + 1) % 10))
    assert not luhn_valid("12a4")
    assert not luhn_valid("")


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("13800138000", True),
        ("19912345678", True),
        ("+86 138-0013-8000", True),
        ("008613800138000", True),
        ("12800138000", False),
        ("1380013800", False),
        ("95588", False),
    ],
)
def test_pii_is_mobile(candidate: str, expected: bool) -> None:
    assert is_mobile(candidate) is expected


# --------------------------------------------------------------------------
# Positive cases
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    [
        "13800138000",
        "+86 13800138000",
        "+8613800138000",
        "8613800138000",
        "0086 13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86-138-0013-8000",
        "(+86)13800138000",
        "（+86）13800138000",
        "１３８００１３８０００",
        "19912345678",
    ],
)
def test_pii_masks_mobile(phone: str) -> None:
    assert mask_pii(f"我的手机号是{phone}，请回电") == "我的手机号是[手机号]，请回电"


@pytest.mark.parametrize(
    "landline",
    [
        "010-12345678",
        "(0571)87654321",
        "（0571）87654321",
        "0755-8888 6666",
        "021-6123-4567",
        "0571 87654321",
        "0591-8765432",
        "01012345678",
    ],
)
def test_pii_masks_landline(landline: str) -> None:
    assert mask_pii(f"家里电话{landline}有人接") == "家里电话[座机]有人接"


@pytest.mark.parametrize(
    "id_number",
    [
        ID_DIGIT,
        ID_X,
        ID_X[:17] + "x",
        f"{ID_X[:6]} {ID_X[6:14]} {ID_X[14:]}",
        "110105851231123",  # 15-digit old form
        make_id("911156", dt.date(1990, 3, 1), "001"),  # foreigner's permanent residence card
    ],
)
def test_pii_masks_resident_id(id_number: str) -> None:
    assert mask_pii(f"身份证号{id_number}，请核实") == "身份证号[身份证]，请核实"


@pytest.mark.parametrize(
    "card",
    [
        CARD_16,
        CARD_19,
        group4(CARD_16),
        group4(CARD_19),
        group4(CARD_16, "-"),
        make_card("4" + "0" * 16),
    ],
)
def test_pii_masks_bank_card(card: str) -> None:
    assert mask_pii(f"卡号{card}被冻结了") == "卡号[银行卡]被冻结了"


def test_pii_masks_grouped_card_followed_by_unrelated_digit() -> None:
    assert mask_pii(f"卡号{group4(CARD_16)} 2次") == "卡号[银行卡] 2次"


def test_pii_id_ending_in_x_followed_by_digits() -> None:
    assert mask_pii(f"{ID_X}{CARD_16}") == "[身份证][银行卡]"


def test_pii_grouped_number_inside_longer_grouping_not_masked() -> None:
    text = "编号0300 0000 0000 0000 005"  # 4-4-4 prefix is shaped like a landline
    assert mask_pii(text) == text


def test_pii_neighbouring_grouped_numbers_all_masked() -> None:
    # The grouped mobile is only a whole group once its neighbour is masked;
    # mask_pii repeats until nothing is found.
    assert mask_pii("138 0013 8000 13900139000") == "[手机号] [手机号]"


@pytest.mark.parametrize(
    "email",
    [
        "zhang.san@example.com",
        "abc_123@qq.com",
        "x+y@mail.bank.com.cn",
        "ｌｉ＠ｅｘａｍｐｌｅ．ｃｎ",
    ],
)
def test_pii_masks_email(email: str) -> None:
    assert mask_pii(f"邮箱{email}谢谢") == "邮箱[邮箱]谢谢"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张先生您好", "[姓名]先生您好"),
        ("王经理说可以", "[姓名]经理说可以"),
        ("李女士来电", "[姓名]女士来电"),
        ("赵小姐投诉", "[姓名]小姐投诉"),
        ("刘老师推荐的", "[姓名]老师推荐的"),
        ("陈阿姨帮忙", "[姓名]阿姨帮忙"),
        ("周师傅上门", "[姓名]师傅上门"),
        ("欧阳先生", "[姓名]先生"),
        ("诸葛女士", "[姓名]女士"),
        ("我叫张三", "我叫[姓名]"),
        ("我是李四，卡丢了", "我是[姓名]，卡丢了"),
        ("我是李四的妈妈", "我是[姓名]的妈妈"),
        ("我叫欧阳娜娜。", "我叫[姓名]。"),
        ("我是王先生", "我是[姓名]先生"),
        ("客户姓名：王五", "客户姓名：[姓名]"),
        ("姓名: 赵六，电话", "姓名: [姓名]，电话"),
        ("姓名：买买提·艾力，电话", "姓名：[姓名]，电话"),
        ("持卡人：司马光", "持卡人：[姓名]"),
        ("客户张三先生来电", "客户[姓名]先生来电"),
        ("王小明先生", "[姓名]先生"),
        ("欧阳娜娜女士", "[姓名]女士"),
        ("感谢张三先生", "感谢[姓名]先生"),
        ("这位张先生", "这位[姓名]先生"),
        ("我是张三13800138000", "我是[姓名][手机号]"),
    ],
)
def test_pii_masks_names(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


def test_pii_masks_several_kinds_in_one_text() -> None:
    text = f"我叫张三，手机138 0013 8000，卡号{CARD_16}，邮箱zs@example.com，找王经理"
    assert mask_pii(text) == "我叫[姓名]，手机[手机号]，卡号[银行卡]，邮箱[邮箱]，找[姓名]经理"


def test_pii_find_pii_reports_kinds_and_spans() -> None:
    text = f"张先生 {ID_DIGIT} 13800138000 010-12345678 a@b.cn {CARD_16}"
    matches = find_pii(text)
    assert [m.kind for m in matches] == [
        "name",
        "id_card",
        "phone",
        "landline",
        "email",
        "bank_card",
    ]
    assert matches[0] == PiiMatch("name", 0, 1)
    assert text[matches[1].start : matches[1].end] == ID_DIGIT
    assert [m.placeholder for m in matches][:3] == ["[姓名]", "[身份证]", "[手机号]"]


# --------------------------------------------------------------------------
# Must not mask
# --------------------------------------------------------------------------


def _serial_failing_checks() -> str:
    for n in range(10**17, 10**17 + 1000):
        serial = str(n)
        if not luhn_valid(serial) and not is_valid_resident_id(serial):
            return serial
    raise AssertionError("unreachable")


@pytest.mark.parametrize(
    "text",
    [
        "贷款5万元，还了50000元",
        "¥12,000.00",
        "人民币3000",
        "￥1,234,567.89",
        "2026-03-05",
        "2026年3月5日",
        "20260305",
        "14:30",
        "2026-03-05 14:30:00",
        "分12期，36个月",
        "年化3.5%",
        "版本8.2.0",
        "尾号1234",
        "验证码123456",
        "客服95588",
        "95555",
        "400-820-8888",
        "4008208888",
        "800-820-8888",
        "12378投诉",
        f"流水号{_serial_failing_checks()}",
        "先生",
        "各位女士们先生们",
        "小姐姐好",
        "基金经理推荐的产品",
        "感谢老师",
        "谢谢老师",
        "上周经理说",
        "等了十分钟经理才来",
        "我曾经理财亏了",
        "大堂经理",
        "客户经理",
        "理财经理",
        "我和先生一起去",
        "我向经理反映",
        "那时候经理说",
        "小王",
        "我是江苏的",
        "我是新客户",
        "姓名和身份证",
        "我明白老师的意思",
        "一位白领女士",
        "项目经理",
        "安装师傅",
        "我先生说",
        "刘某某先生",
    ],
)
def test_pii_does_not_mask(text: str) -> None:
    assert mask_pii(text) == text
    assert find_pii(text) == []


def test_pii_does_not_mask_part_of_longer_digit_run() -> None:
    text = "订单号1380013800012345678901"  # 24 digits containing a mobile-shaped run
    assert mask_pii(text) == text


# --------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------

_CONTEXT = st.sampled_from(
    ["", "我的身份证号是", "客户反映", "请核实", "，谢谢", "。", "转账失败", " ", "号码："]
)
_birth_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date.today())
_regions = st.builds(
    lambda p, rest: p + rest,
    st.sampled_from(_PROVINCES),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
_seqs = st.text(alphabet="0123456789", min_size=3, max_size=3)
valid_ids = st.builds(make_id, _regions, _birth_dates, _seqs)


@given(valid_ids, _CONTEXT, _CONTEXT)
def test_pii_valid_generated_id_masked(id_number: str, before: str, after: str) -> None:
    out = mask_pii(f"{before}{id_number}{after}")
    assert out == f"{before}[身份证]{after}"


@given(valid_ids, st.sampled_from("0123456789X"), _CONTEXT, _CONTEXT)
def test_pii_id_with_wrong_check_char_not_masked(
    id_number: str, check: str, before: str, after: str
) -> None:
    wrong = id_number[:17] + check
    assume(check != id_number[17])
    assume(not luhn_valid(wrong))
    text = f"{before}{wrong}{after}"
    assert mask_pii(text) == text


@given(
    st.integers(min_value=16, max_value=19),
    st.data(),
    st.sampled_from(["", " ", "-"]),
    _CONTEXT,
    _CONTEXT,
)
def test_pii_luhn_valid_card_masked_invalid_kept(
    length: int, data: st.DataObject, sep: str, before: str, after: str
) -> None:
    body = data.draw(st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1))
    card = make_card(body)
    assume(not is_valid_resident_id(card))
    shown = group4(card, sep) if sep else card
    assert mask_pii(f"{before}{shown}{after}") == f"{before}[银行卡]{after}"

    bad = card[:-1] + str((int(card[-1]) + 1) % 10)
    assume(not is_valid_resident_id(bad))
    # A 4x4 grouping plus a short group is masked when its first 16 digits pass.
    assume(not (sep and length > 16 and luhn_valid(bad[:16])))
    shown_bad = group4(bad, sep) if sep else bad
    assert mask_pii(f"{before}{shown_bad}{after}") == f"{before}{shown_bad}{after}"


# Fragments that stress adjacency: PII in many formats, near-PII, cues,
# separators, placeholders and arbitrary text, concatenated without spaces.
_mobiles = st.builds(
    lambda d, fmt: fmt.format(d[:3], d[3:7], d[7:]),
    st.builds(
        lambda a, b: "1" + a + b,
        st.sampled_from("3456789"),
        st.text("0123456789", min_size=9, max_size=9),
    ),
    st.sampled_from(["{}{}{}", "{} {} {}", "{}-{}-{}", "+86 {}{}{}", "86{}{}{}", "（+86）{}{}{}"]),
)
_cards = st.builds(
    lambda body, sep: group4(make_card(body), sep) if sep else make_card(body),
    st.text("0123456789", min_size=15, max_size=18),
    st.sampled_from(["", " ", "-"]),
)
_fragments = st.one_of(
    valid_ids,
    _mobiles,
    _cards,
    st.sampled_from(
        [
            "010-12345678",
            "(0571)87654321",
            "zs@example.com",
            "a.b@",
            "@",
            ".cn",
            "张",
            "王",
            "欧阳",
            "先生",
            "经理",
            "小姐",
            "姐",
            "我叫",
            "我是",
            "姓名：",
            "三",
            "的",
            "，",
            "。",
            " ",
            "-",
            "+",
            "(",
            "）",
            "X",
            "x",
            "[姓名]",
            "[手机号]",
            "基金",
            "上周",
            "尾号1234",
            "95588",
            "2026-03-05",
        ]
    ),
    st.text("0123456789", min_size=1, max_size=20),
    st.text(max_size=5),
)
pii_soup = st.lists(_fragments, max_size=12).map("".join)


@given(st.one_of(st.text(), pii_soup))
@settings(max_examples=300)
def test_pii_mask_is_idempotent(text: str) -> None:
    once = mask_pii(text)
    assert mask_pii(once) == once


_NUMERIC_KINDS = {"phone", "id_card", "bank_card", "landline"}


@given(st.one_of(st.text(), pii_soup))
@settings(max_examples=300)
def test_pii_output_never_contains_found_numbers(text: str) -> None:
    matches = find_pii(text)
    out = mask_pii(text)
    assert not any(m.kind in _NUMERIC_KINDS for m in find_pii(out)), f"{out!r} still has PII"
    # Blank the found spans: a found number may appear in the output only as
    # often as it also appears, unmatched, elsewhere in the input.
    blanked = list(text)
    for m in matches:
        blanked[m.start : m.end] = ["\x00"] * (m.end - m.start)
    rest = "".join(blanked)
    for m in matches:
        raw = text[m.start : m.end]
        if m.kind in _NUMERIC_KINDS:
            assert out.count(raw) <= rest.count(raw), f"{raw!r} survived in {out!r}"


@given(st.one_of(st.text(), pii_soup))
def test_pii_matches_are_sorted_and_disjoint(text: str) -> None:
    matches = find_pii(text)
    for left, right in itertools.pairwise(matches):
        assert left.end <= right.start
    for m in matches:
        assert 0 <= m.start < m.end <= len(text)


# --------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------
