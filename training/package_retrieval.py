"""Turn a retrieval fine-tuning run into the shipped encoder adapter, with its thresholds.

    python -m training.package_retrieval --run /work/cache/ft/ret-top6-e2 \
        --out data/models/retrieval-v1 --touchpoint-min-similarity 0.703

Copies the run's delta and writes `config.json` (`voc.encoder.adapter`): the encoder name its
vectors are stored under (`e5-small-bank`), the prefixes it was trained with (`query: ` on
both sides: pairs and FAQ groups are symmetric), the base it needs, and two thresholds on
its cosine scale:
* `link_threshold`: the accuracy-maximising cosine on the bq_corpus train slice the run held
  out (never trained on; `figures.finetuned.bq_dev.threshold` is that slice's choice);
* `touchpoint_min_similarity`: from `training.choose_touchpoint_threshold`, which keeps the
  frozen model's share of `none` answers on unlabelled bank-app clauses.
Two more are added by the next step, `python -m training.match_cosine_scale --encoder
e5-small-bank --write-to <out>` (problem grouping, topic identity); until then the adapter
is refused at load, so it never runs on e5-scale values.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from voc.models.encoder_adapter import ADAPTER_NAME, DELTA_FILE

ENCODER_NAME = "e5-small-bank"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, required=True, help="finetune_retrieval --out")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--touchpoint-min-similarity", type=float, required=True)
    args = parser.parse_args(argv)

    run = json.loads((args.run / "config.json").read_text(encoding="utf-8"))
    if run["recipe"]["mode"] != "top":
        raise SystemExit("only top-layer deltas load into the encoder (LoRA needs peft)")
    args.out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(args.run / DELTA_FILE, args.out / DELTA_FILE)
    held_out = run["figures"]["finetuned"]["bq_dev"]["threshold"]
    config = {
        "name": ADAPTER_NAME,
        "encoder_name": ENCODER_NAME,
        "prefixes": {"query": run["prefix"], "passage": run["prefix"]},
        "base": run["base"],
        "thresholds": {
            "link_threshold": round(held_out, 2),
            "touchpoint_min_similarity": args.touchpoint_min_similarity,
        },
        "recipe": run["recipe"],
        "figures": run["figures"],
        "delta_mb": run["delta_mb"],
    }
    (args.out / "config.json").write_text(
        json.dumps(config, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    print(json.dumps(config["thresholds"]))
    step = f"python -m training.match_cosine_scale --encoder {ENCODER_NAME} --write-to {args.out}"
    print(f"next: {step}")


if __name__ == "__main__":
    main()
