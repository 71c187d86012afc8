"""Fine-tune the rebuilt e5-small for 3-class sentiment; save only the small trained delta.

    python -m training.finetune_sentiment --mode lora --out /work/cache/sentiment-e5-lora
    python -m training.finetune_sentiment --mode lora --subset 400 --max-steps 30   # smoke run

Data: the pooled training splits of `training/sentiment_data.py` (finfe 3-class + hotel,
waimai and online-shopping reviews mapped neg -> 0, pos -> 2), each carved 85/15 by
`training.splits.validation_split`; the dev splits are only scored with `--eval-dev`, once.
Rows are weighted so each set's total weight is ∝ n_set ** alpha (as the frozen recipe).
Texts get the e5 `query: ` prefix (as the shipped frozen model) and are cut to
`--max-len` tokens.

Modes, chosen by measurement on 2 cores (step time is printed):
* `full`: every weight trains (96 M of the 118 M are word embeddings: slow, large delta);
* `frozen-emb`: word embeddings frozen, the 12 layers train (delta ~21 M params);
* `lora`: PEFT LoRA on the attention and FFN matrices, base frozen (delta ~1-3 MB);
* `top`: word embeddings and the lower layers frozen, the top `--top-layers` layers train
  (6 layers: ~10.6 M params, ~21 MB in fp16). Frozen layers build no autograd graph, so a
  step costs about a forward pass plus the top layers' backward.
A linear head on the mean-pooled token states predicts (negative, neutral, positive).

Saved (`--out`): `config.json` (recipe, base sha256, figures), `delta.safetensors` (the
LoRA adapter or the trained tensors in fp16, plus the head) and `MODEL_CARD.md`. The base is
rebuilt at install by `voc models build-base`; `load_finetuned` puts the two together.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import pandas as pd

from training.splits import BINARY_SETS
from voc.models.base_build import DELTA_FILE
from voc.models.sentiment import LABELS

PREFIX = "query: "
LORA_TARGETS = (
    r".*encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense"
    r"|intermediate\.dense|output\.dense)"
)
MAX_DELTA_MB = 30
SMOKE_NOTE = "**Smoke run only (subset/max-steps): the figures below are not a trained model's.**"


def _torch():  # type: ignore[no-untyped-def]
    import torch

    return torch


def build_model(base: Path, mode: str, lora_r: int = 8, lora_alpha: int = 16, top_layers: int = 6):  # type: ignore[no-untyped-def]
    """Base encoder (+ LoRA) with a mean-pooling linear head; only the chosen part trains."""
    from transformers import AutoModel

    from voc.models.sentiment_finetuned import sentiment_net

    encoder = AutoModel.from_pretrained(str(base))  # its (zero) pooler is unused
    if mode == "lora":
        from peft import LoraConfig, get_peft_model

        config = LoraConfig(
            r=lora_r, lora_alpha=lora_alpha, lora_dropout=0.05, target_modules=LORA_TARGETS
        )
        encoder = get_peft_model(encoder, config)
    elif mode == "frozen-emb":
        encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    elif mode == "top":
        train_top_layers_only(encoder, top_layers)
    elif mode != "full":
        raise ValueError(f"unknown mode {mode!r}; valid: full, frozen-emb, lora, top")
    return sentiment_net(encoder)


def train_top_layers_only(encoder, top_layers: int) -> None:  # type: ignore[no-untyped-def]
    """Freeze the word embeddings and all but the top `top_layers` transformer layers."""
    n_layers = len(encoder.encoder.layer)
    for name, param in encoder.named_parameters():
        layer = name.split(".")[2] if name.startswith("encoder.layer.") else None
        param.requires_grad_(layer is not None and int(layer) >= n_layers - top_layers)


def trainable_state(model) -> dict:  # type: ignore[no-untyped-def]
    """The trained delta: LoRA adapter (+ head), or the trainable tensors (+ head) in fp16."""
    torch = _torch()
    state = {}
    for name, param in model.named_parameters():
        if param.requires_grad:
            small = "lora_" in name or name.startswith("head.")
            state[name] = param.detach().to(torch.float32 if small else torch.float16).contiguous()
    return state


def load_finetuned(folder: Path, base: Path):  # type: ignore[no-untyped-def]
    """Rebuild a saved model: base folder + `delta.safetensors` (eval mode, fp32)."""
    torch = _torch()
    from safetensors.torch import load_file

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    recipe = config["recipe"]
    model = build_model(
        base, recipe["mode"], recipe["lora_r"], recipe["lora_alpha"], recipe.get("top_layers", 6)
    )
    delta = {k: v.to(torch.float32) for k, v in load_file(str(folder / DELTA_FILE)).items()}
    missing = set(delta) - set(dict(model.named_parameters()))
    if missing:
        raise ValueError(f"{folder}: delta tensors not in the model: {sorted(missing)[:5]}")
    model.load_state_dict(delta, strict=False)
    return model.eval()


def pooled_frames(data_dir: Path | None, subset: int | None, seed: int, shopping_rows: int = 0):  # type: ignore[no-untyped-def]
    """(fit, val, dev) frames with `text`, `y3`, `group`; `subset` samples fit rows (smoke);
    `shopping_rows` adds that many more online-shopping train rows to fit only."""
    from training.sentiment_data import shopping_extra, training_frames
    from training.splits import DEFAULT_DATA_DIR, validation_split

    fits, vals, devs = [], [], []
    for name, (train, dev) in training_frames(data_dir or DEFAULT_DATA_DIR).items():
        fit, val = validation_split(train)
        for frame, bucket in ((fit, fits), (val, vals), (dev, devs)):
            bucket.append(frame.assign(group=name)[["text", "y3", "group"]])
    if shopping_rows:
        extra = shopping_extra(data_dir or DEFAULT_DATA_DIR, shopping_rows)
        fits.append(extra.assign(group="online_shopping_10_cats")[["text", "y3", "group"]])
    fit, val, dev = (pd.concat(b, ignore_index=True) for b in (fits, vals, devs))
    if subset:
        fit = fit.sample(n=min(subset, len(fit)), random_state=seed).reset_index(drop=True)
        per_set = max(20, subset // 8)
        val = pd.concat(
            g.sample(n=min(len(g), per_set), random_state=seed) for _, g in val.groupby("group")
        )
    return fit, val.reset_index(drop=True), dev


def set_weights(groups: np.ndarray, alpha: float) -> np.ndarray:
    """Per-row weights giving each set a total weight ∝ n_set ** alpha (mean 1)."""
    _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    weights = (counts.astype(float) ** alpha / counts)[inverse]
    return weights * len(weights) / weights.sum()


def batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (sorted within windows of 50 batches): less padding."""
    order = rng.permutation(len(lengths))
    window = batch_size * 50
    out = []
    for start in range(0, len(order), window):
        chunk = order[start : start + window]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out += [chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size)]
    rng.shuffle(out)  # type: ignore[arg-type]
    return out


def evaluate(model, tokenizer, frame: pd.DataFrame, max_len: int, batch_size: int = 64) -> dict:  # type: ignore[no-untyped-def]
    """Accuracy per set (review sets: P(pos) >= P(neg), as the frozen model is scored)."""
    torch = _torch()
    model.eval()
    texts = [PREFIX + t.strip() for t in frame["text"]]
    order = np.argsort([len(t) for t in texts])
    proba = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=max_len,
                return_tensors="pt",
            )
            logits = model(enc["input_ids"], enc["attention_mask"])
            proba[idx] = torch.softmax(logits, -1).numpy()
    model.train()
    y = frame["y3"].to_numpy()
    result = {}
    for name in sorted(frame["group"].unique()):
        rows = (frame["group"] == name).to_numpy()
        p = proba[rows]
        pred = np.where(p[:, 2] >= p[:, 0], 2, 0) if name in BINARY_SETS else p.argmax(1)
        result[name] = {"n": int(rows.sum()), "accuracy": round(float(np.mean(pred == y[rows])), 4)}
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, help="rebuilt e5 folder (default: build it)")
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=Path("/work/cache/sentiment-e5-ft"))
    parser.add_argument("--mode", choices=("full", "frozen-emb", "lora", "top"), default="lora")
    parser.add_argument("--lora-r", type=int, default=8)
    parser.add_argument("--lora-alpha", type=int, default=16)
    parser.add_argument("--top-layers", type=int, default=6, help="layers trained in mode top")
    parser.add_argument("--max-len", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--lr", type=float, default=None, help="default: 3e-5 full, 3e-4 lora")
    parser.add_argument("--head-lr", type=float, default=1e-3)
    parser.add_argument("--alpha", type=float, default=0.5, help="set weight ∝ n ** alpha")
    parser.add_argument("--seed", type=int, default=20261128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--subset", type=int, default=None, help="train on N rows (smoke run)")
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--eval-dev", action="store_true", help="score the dev splits once")
    parser.add_argument(
        "--checkpoint-epochs", action="store_true", help="score validation + save each epoch"
    )
    parser.add_argument("--log-every", type=int, default=10)
    parser.add_argument("--init-delta", type=Path, help="start from this run's delta (top mode)")
    parser.add_argument(
        "--shopping-rows", type=int, default=0, help="extra online-shopping fit rows"
    )
    args = parser.parse_args(argv)

    torch = _torch()
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import AutoTokenizer

    from voc.models.base_build import read_build_info

    if args.base is None:
        from voc.models.base_build import build_base

        args.base = build_base().path
    base_info = read_build_info(args.base) or {}
    tokenizer = AutoTokenizer.from_pretrained(str(args.base))
    fit, val, dev = pooled_frames(args.data_dir, args.subset, args.seed, args.shopping_rows)
    texts = [PREFIX + t.strip() for t in fit["text"]]
    encoded = tokenizer(texts, truncation=True, max_length=args.max_len)["input_ids"]
    lengths = np.array([len(ids) for ids in encoded])
    labels = torch.tensor(fit["y3"].to_numpy(), dtype=torch.long)
    weights = torch.tensor(set_weights(fit["group"].to_numpy(), args.alpha), dtype=torch.float32)

    model = build_model(args.base, args.mode, args.lora_r, args.lora_alpha, args.top_layers)
    if args.init_delta:
        continue_from_delta(model, args.init_delta)
    model.train()
    lr = args.lr or {"lora": 3e-4, "top": 5e-5}.get(args.mode, 3e-5)
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if p.requires_grad and not n.startswith("head.")]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    rng = np.random.default_rng(args.seed)
    steps_per_epoch = math.ceil(len(fit) / args.batch_size)
    total = math.ceil(steps_per_epoch * args.epochs)
    if args.max_steps:
        total = min(total, args.max_steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / max(1, total // 10)) * max(0.0, 1 - s / total)
    )
    n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    print(f"mode {args.mode}: {n_trainable / 1e6:.2f} M trainable params; {len(fit)} rows; "
          f"{total} steps of {args.batch_size}", flush=True)  # fmt: skip

    plan: list[np.ndarray] = []
    step_times: list[float] = []
    started = time.perf_counter()
    for step in range(total):
        if not plan:
            plan = batches(lengths, args.batch_size, rng)
        idx = plan.pop()
        t0 = time.perf_counter()
        batch = tokenizer.pad({"input_ids": [encoded[i] for i in idx]}, return_tensors="pt")
        logits = model(batch["input_ids"], batch["attention_mask"])
        loss_rows = torch.nn.functional.cross_entropy(logits, labels[idx], reduction="none")
        loss = (loss_rows * weights[idx]).sum() / weights[idx].sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(body + head, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        step_times.append(time.perf_counter() - t0)
        if (step + 1) % args.log_every == 0 or step + 1 == total:
            print(f"step {step + 1}/{total} loss {loss.item():.4f} "
                  f"{np.mean(step_times[-args.log_every:]):.2f} s/step", flush=True)  # fmt: skip
        if args.checkpoint_epochs and (step + 1) % steps_per_epoch == 0 and step + 1 < total:
            epoch = (step + 1) // steps_per_epoch
            scores = evaluate(model, tokenizer, val, args.max_len)
            print(f"epoch {epoch} validation {json.dumps(scores)}", flush=True)
            _save_delta(model, args.out / f"epoch{epoch}")
    train_seconds = time.perf_counter() - started

    steady = step_times[min(3, len(step_times) - 1) :]
    full_rows = len(pooled_frames(args.data_dir, None, args.seed)[0]) if args.subset else len(fit)
    figures = {
        "train_seconds": round(train_seconds, 1),
        "steps": total,
        "mean_step_s": round(float(np.mean(steady)), 3),
        "projected_epoch_h": round(
            float(np.mean(steady)) * math.ceil(full_rows / args.batch_size) / 3600, 2
        ),
        "full_train_rows": full_rows,
        "validation": evaluate(model, tokenizer, val, args.max_len),
    }
    if args.eval_dev:
        figures["dev"] = evaluate(model, tokenizer, dev, args.max_len)
    print(json.dumps(figures, ensure_ascii=False), flush=True)
    _save(args, model, figures, base_info, n_trainable, lr)


def continue_from_delta(model, folder: Path) -> None:  # type: ignore[no-untyped-def]
    """Continue from a saved delta (same mode and layers): its tensors replace the base's.
    Used by both fine-tuning scripts (`--init-delta`)."""
    torch = _torch()
    from safetensors.torch import load_file

    delta = {k: v.to(torch.float32) for k, v in load_file(str(folder / DELTA_FILE)).items()}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    if set(delta) != trainable:
        raise ValueError(f"{folder}: its delta does not match the trainable tensors of this mode")
    model.load_state_dict(delta, strict=False)


def _save_delta(model, folder: Path) -> None:  # type: ignore[no-untyped-def]
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file(trainable_state(model), str(folder / DELTA_FILE))


def _save(args, model, figures: dict, base_info: dict, n_trainable: int, lr: float) -> None:  # type: ignore[no-untyped-def]
    _save_delta(model, args.out)
    size_mb = (args.out / DELTA_FILE).stat().st_size / 1e6
    config = {
        "labels": list(LABELS),
        "prefix": PREFIX,
        "base": {k: base_info.get(k) for k in ("converter_version", "source_sha256")},
        "recipe": {
            "mode": args.mode,
            "lora_r": args.lora_r,
            "lora_alpha": args.lora_alpha,
            "top_layers": args.top_layers if args.mode == "top" else None,
            "lora_targets": LORA_TARGETS if args.mode == "lora" else None,
            "max_len": args.max_len,
            "batch_size": args.batch_size,
            "epochs": args.epochs,
            "lr": lr,
            "head_lr": args.head_lr,
            "alpha": args.alpha,
            "seed": args.seed,
            "threads": args.threads,
            "subset": args.subset,
            "max_steps": args.max_steps,
            "init_delta": str(args.init_delta) if args.init_delta else None,
            "shopping_rows": args.shopping_rows,
        },
        "trainable_params": n_trainable,
        "delta_mb": round(size_mb, 2),
        "figures": figures,
    }
    (args.out / "config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    smoke = args.subset or args.max_steps
    card = f"""# sentiment-e5-{args.mode}

Fine-tuned from the rebuilt e5-small base (`voc models build-base`, source sha256
`{base_info.get("source_sha256")}`). Only the delta is stored: `{DELTA_FILE}`
({size_mb:.1f} MB; {n_trainable / 1e6:.2f} M trainable parameters). Labels: {", ".join(LABELS)};
inputs `{PREFIX}<text>`, cut to {args.max_len} tokens; mean pooling + linear head.

Recipe: mode `{args.mode}`, {figures["steps"]} steps of {args.batch_size}, lr {lr}
(head {args.head_lr}), set weights ∝ n^{args.alpha}, seed {args.seed}, {args.threads} threads.
{SMOKE_NOTE if smoke else ""}

| figure | value |
|---|---|
| mean step time (s) | {figures["mean_step_s"]} |
| projected hours per epoch ({figures["full_train_rows"]} rows) | {figures["projected_epoch_h"]} |
| validation accuracy | {json.dumps(figures["validation"], ensure_ascii=False)} |
| dev accuracy | {json.dumps(figures.get("dev", "not scored"), ensure_ascii=False)} |

Reproduce: `python -m training.finetune_sentiment --mode {args.mode} --seed {args.seed}`.
"""
    (args.out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    if size_mb > MAX_DELTA_MB:
        print(f"warning: delta is {size_mb:.1f} MB (> {MAX_DELTA_MB} MB): too big for git")
    print(f"saved {args.out} ({size_mb:.1f} MB delta)")


if __name__ == "__main__":
    main()
