"""Formulaic clauses: greetings, thanks, goodbyes and identity answers ("好的，谢谢。",
"卡号是[银行卡]。", "喂？听得到吗？") that carry no pain point.

Call transcripts are full of them, and they are the same in every call: pooled into a
document vector they pull unrelated calls together (the demo grew a topic "四位 尾号 卡号"
out of identity checks). A clause is formulaic only when every piece of it, cut at
punctuation and with PII placeholders removed, is one of the phrases below, so "好的，那
需要带什么材料吗？" keeps its content.
"""

from __future__ import annotations

import hashlib
import re

from voc.text.pii import PLACEHOLDERS

_GROUPS = {
    "greeting": "喂 喂喂 你好 您好 喂你好 喂您好 听得到吗 听得见吗 能听到吗 在吗",
    "assent": "好 好的 好的好的 好吧 行 行吧 行的 嗯 嗯嗯 嗯呢 哦 噢 啊 可以 没问题 OK ok",
    "yes": "对 对的 对对 对对对 是 是的",
    "understood": "知道了 我知道了 明白了 我明白了 清楚了 了解了 收到",
    "thanks": "谢谢 谢谢你 谢谢您 多谢 感谢 麻烦了 麻烦你了 麻烦您了 辛苦了 辛苦你了",
    "goodbye": "再见 拜拜 好拜拜 那就这样吧 就这样吧 就这样 那就这样",
    "nothing_else": "没有了 没了 没有别的了 没其他的了",
    "identity": "是我 本人 是本人 是我本人 我是本人 我叫 姓名是",
    "card_id": "卡号 卡号是 尾号 尾号是 后四位 后四位是 卡号后四位是 身份证号是 身份证是",
    "phone_id": "手机号是 电话是 我手机号是",
}
PHRASES = frozenset(word for words in _GROUPS.values() for word in words.split(" "))
# Names the phrase list inside the analysis version: editing it re-analyses stores.
PHRASES_DIGEST = hashlib.sha1("\x1f".join(sorted(PHRASES)).encode("utf-8")).hexdigest()[:8]
_PIECES = re.compile(r"[\s，。！？、；：,.!?;:~～…]+")
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in sorted(set(PLACEHOLDERS.values()))))
_DIGITS = re.compile(r"\d+")


def is_formulaic(text: str) -> bool:
    """True when the clause is only greetings, thanks, goodbyes or identity answers."""
    stripped = _DIGITS.sub("", _PLACEHOLDER.sub("", text))
    pieces = [p for p in _PIECES.split(stripped) if p]
    return bool(pieces) and all(p in PHRASES for p in pieces)
