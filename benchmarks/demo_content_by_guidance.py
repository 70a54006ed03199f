"""How often a base's samples show the prompt's subject, colour and background, per guidance scale.

    python benchmarks/demo_content_by_guidance.py --base src/photogenic/assets/demo-base \
        --guidance 1 7.5 15 --out benchmarks/results/demo_content_by_guidance_shipped.json

The demo's first world prompts (its prompt seed), sampled as the demo samples them except for the
guidance scale, and counted by the shipped content judge (``content_shown``).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from pathlib import Path

from photogenic.demo.evaluation import EvaluationConfig, content_shown
from photogenic.models.weights import weights_fingerprint
from photogenic.sample.generate import generate
from photogenic.sample.prompts import world_prompt_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="an installed base model")
    parser.add_argument("--guidance", type=float, nargs="+", required=True)
    parser.add_argument("--prompts", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("runs/content-by-guidance"))
    args = parser.parse_args()
    config = EvaluationConfig()
    prompts = world_prompt_set(args.prompts, config.prompt_seed)
    shown = {}
    # one folder per weights: samples of a base rebuilt under the same name are not reused
    work = args.work / f"{args.base.name}-{weights_fingerprint(args.base)[:8]}"
    for guidance in args.guidance:
        config.sample.guidance = guidance
        folder = work / f"guidance-{guidance:g}"
        generate(args.base, prompts, folder, config.sample, model_name="base", progress=False)
        shown[f"{guidance:g}"] = content_shown(folder)
        print(guidance, shown[f"{guidance:g}"], flush=True)
    record = {
        "date": datetime.now(timezone.utc).date().isoformat(),
        "base": str(args.base),
        "prompts": args.prompts,
        "prompt_seed": config.prompt_seed,
        "sampling": {"steps": config.sample.steps, "scheduler": config.sample.scheduler},
        "shown_by_guidance": shown,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
