"""Cost of text normalisation and PII masking per text (microseconds), on one core.

Usage: python bench/text.py
"""

from __future__ import annotations

import timeit

from voc.text.normalise import normalise_text
from voc.text.pii import mask_pii

CASES = {
    "normalise, 40 chars (Traditional, full-width)": (
        normalise_text,
        "我的信用卡在ＡＴＭ取款失敗了，客服電話一直打不通，體驗太差了😡！！！",
    ),
    "mask, 50 chars without PII": (
        mask_pii,
        "手机银行转账一直失败，客服也联系不上，体验非常差，希望尽快改进一下吧谢谢你们，太失望了",
    ),
    "mask, 50 chars with phone + card": (
        mask_pii,
        "请张先生回电13812345678，卡号6222021234567890128被盗刷了，金额5万元，分12期",
    ),
}


def main() -> None:
    for label, (function, text) in CASES.items():
        function(text)  # build tables / load OpenCC outside the timing
        n = 20_000
        seconds = min(timeit.repeat(lambda f=function, t=text: f(t), number=n, repeat=5))
        print(f"{label:<48} {seconds / n * 1e6:7.2f} µs/text  {n / seconds:>10,.0f} texts/s")


if __name__ == "__main__":
    main()
