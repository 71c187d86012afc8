"""Fine-tune the rebuilt e5-small as a bi-encoder for same-question retrieval (LoRA adapter).

    python -m training.finetune_retrieval --out /work/cache/retrieval-e5-lora
    python -m training.finetune_retrieval --subset 256 --max-steps 20 --eval-rows 300  # smoke

Training pairs (never a dev row): positive pairs of the bq_corpus and afqmc train parts
(`training.retrieval_splits.pair_split`), and pairs of questions of the same group from the
jining_bank_faq and unionpay_faq corpus parts (`faq_split`: the dev queries are held out).
Loss: multiple-negatives ranking (in-batch softmax over cosines / temperature), symmetric
(both sides `query: `, as `voc eval pairs` and the problem library embed them).

Figures: bq_corpus dev AUC and accuracy at the cosine threshold that is best on a held-out
slice of bq train pairs, and jining_bank_faq dense recall@1 (queries vs corpus), each for
the frozen base and the fine-tuned model. Saved: `delta.safetensors` (LoRA), `config.json`,
`MODEL_CARD.md`; `load_finetuned` rebuilds the encoder on the base.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from training.finetune_sentiment import (
    DELTA_FILE,
    LORA_TARGETS,
    SMOKE_NOTE,
    batches,
    continue_from_delta,
    train_top_layers_only,
)

PREFIX = "query: "
SEED = 20261128


def _torch():  # type: ignore[no-untyped-def]
    import torch

    return torch


def build_encoder(  # type: ignore[no-untyped-def]
    base: Path, lora_r: int = 8, lora_alpha: int = 16, lora: bool = True, top_layers: int = 0
):
    """XLM-R encoder from the rebuilt base: LoRA adapters when `lora`, else (`top_layers`
    > 0) only the top layers train, embeddings and lower layers frozen."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(base))
    if top_layers and not lora:
        train_top_layers_only(model, top_layers)
    elif lora:
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            r=lora_r, lora_alpha=lora_alpha, lora_dropout=0.05, target_modules=LORA_TARGETS
        )
        model = get_peft_model(model, config)
    return model


def embed(model, tokenizer, texts: list[str], max_len: int, batch_size: int = 64) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Mean-pooled, L2-normalised `query: ` embeddings (inference, length-sorted batches)."""
    torch = _torch()
    was_training = model.training
    model.eval()
    prefixed = [PREFIX + t.strip() for t in texts]
    order = np.argsort([len(t) for t in prefixed])
    out = np.zeros((len(texts), model.config.hidden_size), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = _pool(model, tokenizer, [prefixed[i] for i in idx], max_len).numpy()
    model.train(was_training)
    return out


def _pool(model, tokenizer, texts: list[str], max_len: int):  # type: ignore[no-untyped-def]
    torch = _torch()
    enc = tokenizer(texts, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
    states = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"])[0]
    mask = enc["attention_mask"].unsqueeze(-1).to(states.dtype)
    pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    return torch.nn.functional.normalize(pooled, dim=-1)


def training_pairs(data_dir: Path, seed: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(train pairs a/b/source, eval frames): the eval frames are dev data or held out."""
    from training.retrieval_splits import faq_split, pair_split

    rng = np.random.default_rng(seed)
    parts, held = [], {}
    for name in ("bq_corpus", "afqmc"):
        train, dev = pair_split(data_dir, name)
        if name == "bq_corpus":
            threshold_part = train.sample(n=min(1000, len(train) // 10), random_state=seed)
            train = train.drop(index=threshold_part.index)
            held["bq_threshold"], held["bq_dev"] = threshold_part, dev
        positives = train[train["label"] == 1]
        parts.append(
            pd.DataFrame({"a": positives["sentence1"], "b": positives["sentence2"], "source": name})
        )
    for name in ("jining_bank_faq", "unionpay_faq"):
        corpus, queries = faq_split(data_dir, name)
        if name == "jining_bank_faq":
            held["faq_corpus"], held["faq_queries"] = corpus, queries
        for _, group in corpus.groupby("group"):
            texts = group["text"].tolist()
            if len(texts) < 2:
                continue
            order = rng.permutation(len(texts))  # each question paired once, with its successor
            pairs = [
                (texts[order[i]], texts[order[(i + 1) % len(texts)]]) for i in range(len(texts))
            ]
            left, right = zip(*pairs, strict=True)
            parts.append(pd.DataFrame({"a": left, "b": right, "source": name}))
    pairs = pd.concat(parts, ignore_index=True).astype({"a": str, "b": str})
    return pairs, held


def labelled_pairs(data_dir: Path, held: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """bq_corpus and afqmc train pairs with their 0/1 labels (bq's threshold slice left out)."""
    from training.retrieval_splits import pair_split

    frames = []
    for name in ("bq_corpus", "afqmc"):
        train, _ = pair_split(data_dir, name)
        if name == "bq_corpus":
            train = train.drop(index=held["bq_threshold"].index)
        frames.append(
            pd.DataFrame(
                {
                    "a": [PREFIX + str(t).strip() for t in train["sentence1"]],
                    "b": [PREFIX + str(t).strip() for t in train["sentence2"]],
                    "label": train["label"].astype(int).to_numpy(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def cosent_loss(cosines, labels, scale: float = 20.0):  # type: ignore[no-untyped-def]
    """CoSENT: every positive pair should score above every negative pair in the batch."""
    torch = _torch()
    diff = scale * (cosines[None, :] - cosines[:, None])  # [i, j] = s_j - s_i
    wanted = (labels[:, None] > labels[None, :]).to(cosines.dtype)  # i positive, j negative
    diff = diff - (1 - wanted) * 1e12
    zero = torch.zeros(1, dtype=cosines.dtype)
    return torch.logsumexp(torch.cat([zero, diff.flatten()]), dim=0)


def evaluate(
    model, tokenizer, held: dict[str, pd.DataFrame], max_len: int, rows: int | None
) -> dict:  # type: ignore[no-untyped-def]
    """bq dev AUC / accuracy (threshold from held-out train pairs) and FAQ recall@1."""
    from voc.evaluation.pairs import best_threshold, roc_auc

    def cosines(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        frame = frame.head(rows) if rows else frame
        a = embed(model, tokenizer, frame["sentence1"].astype(str).tolist(), max_len)
        b = embed(model, tokenizer, frame["sentence2"].astype(str).tolist(), max_len)
        return np.einsum("ij,ij->i", a, b), frame["label"].to_numpy().astype(int)

    t_scores, t_labels = cosines(held["bq_threshold"])
    threshold = best_threshold(t_labels, t_scores)
    scores, labels = cosines(held["bq_dev"])
    corpus = held["faq_corpus"]
    queries = held["faq_queries"].head(rows) if rows else held["faq_queries"]
    if rows:  # smoke run: the queries' groups plus `rows` distractors (not comparable)
        own = corpus["group"].isin(set(queries["group"]))
        others = corpus[~own].sample(n=min(rows, int((~own).sum())), random_state=SEED)
        corpus = pd.concat([corpus[own], others], ignore_index=True)
    corpus_vectors = embed(model, tokenizer, corpus["text"].tolist(), max_len)
    query_vectors = embed(model, tokenizer, queries["text"].tolist(), max_len)
    top = (query_vectors @ corpus_vectors.T).argmax(1)
    recall1 = float(np.mean(corpus["group"].to_numpy()[top] == queries["group"].to_numpy()))
    return {
        "bq_dev": {
            "n": len(labels),
            "auc": round(roc_auc(labels, scores), 4),
            "accuracy": round(float(np.mean((scores >= threshold) == (labels == 1))), 4),
            "threshold": round(threshold, 4),
        },
        "jining_bank_faq": {"n": len(queries), "recall_at_1_dense": round(recall1, 4)},
    }


def load_finetuned(folder: Path, base: Path):  # type: ignore[no-untyped-def]
    """The LoRA-adapted encoder from the base folder + `delta.safetensors` (eval mode)."""
    from safetensors.torch import load_file

    recipe = json.loads((folder / "config.json").read_text(encoding="utf-8"))["recipe"]
    lora = recipe.get("mode", "lora") == "lora"
    model = build_encoder(
        base, recipe["lora_r"], recipe["lora_alpha"], lora, recipe.get("top_layers") or 0
    )
    delta = load_file(str(folder / DELTA_FILE))
    unknown = set(delta) - set(dict(model.named_parameters()))
    if unknown:
        raise ValueError(f"{folder}: delta tensors not in the model: {sorted(unknown)[:5]}")
    model.load_state_dict(delta, strict=False)
    return model.eval()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="rebuilt e5 folder (default: build it)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("/work/cache/retrieval-e5-lora"))
    parser.add_argument("--mode", choices=("lora", "top"), default="lora")
    parser.add_argument("--top-layers", type=int, default=6, help="layers trained in mode top")
    parser.add_argument(
        "--cosent", action="store_true", help="also CoSENT on labelled bq/afqmc train pairs"
    )
    parser.add_argument("--lora-r", type=int, default=8)
    parser.add_argument("--lora-alpha", type=int, default=16)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=None, help="default: 2e-4 lora, 5e-5 top")
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--subset", type=int, default=None, help="train on N pairs (smoke run)")
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--eval-rows", type=int, default=None, help="cap eval rows (smoke run)")
    parser.add_argument("--skip-frozen-eval", action="store_true")
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--init-delta", type=Path, help="continue from this run's delta (top)")
    parser.add_argument(
        "--order-seed",
        type=int,
        default=None,
        help="batch order (default --seed; the held-out slices always follow --seed)",
    )
    args = parser.parse_args(argv)

    torch = _torch()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    from training.splits import DEFAULT_DATA_DIR
    from voc.models.base_build import build_base, read_build_info

    base = args.base or build_base().path
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    pairs, held = training_pairs(Path(args.data_dir or DEFAULT_DATA_DIR), args.seed)
    full_pairs = len(pairs)
    if args.subset:
        pairs = pairs.sample(n=min(args.subset, len(pairs)), random_state=args.seed)
    lora = args.mode == "lora"
    model = build_encoder(base, args.lora_r, args.lora_alpha, lora, args.top_layers)
    if args.init_delta:
        continue_from_delta(model, args.init_delta)
    figures: dict = {"train_pairs": full_pairs}
    if not args.skip_frozen_eval:
        if lora:
            with model.disable_adapter():
                figures["frozen"] = evaluate(model, tokenizer, held, args.max_len, args.eval_rows)
        else:  # nothing trained yet: the model is the frozen base
            figures["frozen"] = evaluate(model, tokenizer, held, args.max_len, args.eval_rows)
        print(json.dumps({"frozen": figures["frozen"]}), flush=True)

    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    args.lr = args.lr or (2e-4 if lora else 5e-5)
    optimizer = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    lengths = (pairs["a"].str.len() + pairs["b"].str.len()).to_numpy()
    rng = np.random.default_rng(args.seed if args.order_seed is None else args.order_seed)
    labelled = (
        labelled_pairs(Path(args.data_dir or DEFAULT_DATA_DIR), held) if args.cosent else None
    )
    cosent_plan: list[np.ndarray] = []
    steps_per_epoch = math.ceil(len(pairs) / args.batch_size)
    if labelled is not None:
        steps_per_epoch += math.ceil(len(labelled) / args.batch_size)
    total = math.ceil(steps_per_epoch * args.epochs)
    total = min(total, args.max_steps) if args.max_steps else total
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1, total // 10)) * max(0.0, 1 - s / total)
    )
    a_texts = [PREFIX + t.strip() for t in pairs["a"]]
    b_texts = [PREFIX + t.strip() for t in pairs["b"]]
    plan: list[np.ndarray] = []
    step_times = []
    for step in range(total):
        if not plan:
            plan = batches(lengths, args.batch_size, rng)
        t0 = time.perf_counter()
        if labelled is not None and step % 2 == 1:  # alternate: CoSENT on labelled pairs
            if not cosent_plan:
                cosent_plan = [
                    rng.permutation(len(labelled))[i : i + args.batch_size]
                    for i in range(0, len(labelled), args.batch_size)
                ]
            rows = labelled.iloc[cosent_plan.pop()]
            left = _pool(model, tokenizer, rows["a"].tolist(), args.max_len)
            right = _pool(model, tokenizer, rows["b"].tolist(), args.max_len)
            loss = cosent_loss((left * right).sum(-1), torch.tensor(rows["label"].to_numpy()))
        else:
            idx = plan.pop()
            left = _pool(model, tokenizer, [a_texts[i] for i in idx], args.max_len)
            right = _pool(model, tokenizer, [b_texts[i] for i in idx], args.max_len)
            logits = left @ right.T / args.temperature
            target = torch.arange(len(idx))
            loss = (
                torch.nn.functional.cross_entropy(logits, target)
                + torch.nn.functional.cross_entropy(logits.T, target)
            ) / 2
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step_times.append(time.perf_counter() - t0)
        if (step + 1) % args.log_every == 0 or step + 1 == total:
            print(f"step {step + 1}/{total} loss {loss.item():.4f} "
                  f"{np.mean(step_times[-args.log_every:]):.2f} s/step", flush=True)  # fmt: skip
    steady = float(np.mean(step_times[min(3, len(step_times) - 1) :]))
    figures["steps"] = total
    figures["mean_step_s"] = round(steady, 3)
    figures["projected_epoch_h"] = round(steady * math.ceil(full_pairs / args.batch_size) / 3600, 2)
    figures["finetuned"] = evaluate(model, tokenizer, held, args.max_len, args.eval_rows)
    print(json.dumps(figures), flush=True)
    _save(args, model, figures, read_build_info(base) or {})


def _save(args, model, figures: dict, base_info: dict) -> None:  # type: ignore[no-untyped-def]
    from safetensors.torch import save_file

    args.out.mkdir(parents=True, exist_ok=True)
    torch = _torch()
    half = args.mode == "top"  # whole layers: fp16 keeps the delta under 30 MB
    delta = {
        n: p.detach().to(torch.float16 if half else p.dtype).contiguous()
        for n, p in model.named_parameters()
        if p.requires_grad
    }
    save_file(delta, str(args.out / DELTA_FILE))
    size_mb = (args.out / DELTA_FILE).stat().st_size / 1e6
    recipe = {k: getattr(args, k) for k in ("lora_r", "lora_alpha", "max_len", "batch_size")}
    recipe |= {k: getattr(args, k) for k in ("epochs", "lr", "temperature", "seed", "threads")}
    recipe |= {"subset": args.subset, "max_steps": args.max_steps, "lora_targets": LORA_TARGETS}
    recipe |= {"mode": args.mode, "top_layers": args.top_layers, "cosent": args.cosent}
    recipe |= {"init_delta": str(args.init_delta) if args.init_delta else None}
    recipe |= {"order_seed": args.order_seed}
    config = {
        "prefix": PREFIX,
        "base": {k: base_info.get(k) for k in ("converter_version", "source_sha256")},
        "recipe": recipe,
        "delta_mb": round(size_mb, 2),
        "figures": figures,
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    smoke = args.subset or args.max_steps or args.eval_rows
    card = f"""# retrieval-e5-lora

LoRA adapter (r {args.lora_r}, alpha {args.lora_alpha}; {size_mb:.1f} MB) on the rebuilt
e5-small base (source sha256 `{base_info.get("source_sha256")}`), trained with a symmetric
multiple-negatives ranking loss (temperature {args.temperature}) on bq_corpus/afqmc positive
pairs and same-group FAQ questions (jining_bank_faq, unionpay_faq corpus parts); inputs
`{PREFIX}<text>` cut to {args.max_len} tokens; mean pooling, L2 norm.
{SMOKE_NOTE if smoke else ""}

| figure | frozen base | fine-tuned |
|---|---|---|
| bq_corpus dev (AUC, accuracy, threshold) | {json.dumps(figures.get("frozen", {}).get("bq_dev"))} | {json.dumps(figures["finetuned"]["bq_dev"])} |
| jining_bank_faq recall@1 (dense) | {json.dumps(figures.get("frozen", {}).get("jining_bank_faq"))} | {json.dumps(figures["finetuned"]["jining_bank_faq"])} |

Mean step {figures["mean_step_s"]} s ({args.batch_size} pairs); projected
{figures["projected_epoch_h"]} h per epoch of {figures["train_pairs"]} pairs on {args.threads}
threads. Reproduce: `python -m training.finetune_retrieval --seed {args.seed}`.
"""  # noqa: E501
    (args.out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    print(f"saved {args.out} ({size_mb:.1f} MB delta)")


if __name__ == "__main__":
    main()
