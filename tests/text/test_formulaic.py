"""Formulaic clauses (greetings, thanks, identity answers) are told from clauses with content."""

from __future__ import annotations

import pytest

from voc.text.formulaic import is_formulaic


@pytest.mark.parametrize(
    "text",
    [
        "好的，谢谢。",
        "那就这样吧。",
        "嗯，再见。",
        "卡号是[银行卡]。",
        "是本人，后四位是3822。",
        "喂？喂，听得到吗？",
    ],
)
def test_courtesy_and_identity_answers_are_formulaic(text: str) -> None:
    assert is_formulaic(text)


@pytest.mark.parametrize(
    "text",
    [
        "好的，那需要带什么材料吗？",
        "好用。",
        "转账失败",
        "明白了，我回去看一下。",
        "那大概要多久？",
        "",
    ],
)
def test_clauses_with_content_are_not(text: str) -> None:
    assert not is_formulaic(text)
