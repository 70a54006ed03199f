"""Does the photogenic score rank each real photo above its degraded copies?

For every Kodak photo, seven degraded copies (blur, dim, blown out, washed out, noisy, text overlay,
off-centre crop) are saved beside the original as JPEG (quality 90) in a temporary imagefolder; the
funnel's per-item stages measure all of them with the default (photos) config, OCR included, and
the benchmark reports, per degradation, the share of photos whose original scores strictly higher
(pairwise ranking accuracy), plus which principle's sub-score moved most.

Usage: python benchmarks/curate_kodak.py --kodak ../shared/data/kodak --out benchmarks/results/curate_kodak.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parents[1]


def _font(size: int) -> ImageFont.ImageFont:
    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def degrade(photo: Image.Image, kind: str, seed: int) -> Image.Image:
    """One degraded copy of an RGB photo."""
    a = np.asarray(photo).astype(np.float32)
    if kind == "blur":
        return photo.filter(ImageFilter.GaussianBlur(3))
    if kind == "dim":
        return Image.fromarray((a * 0.35).astype(np.uint8))
    if kind == "blown_out":
        return Image.fromarray(np.clip(a * 2.2 + 20, 0, 255).astype(np.uint8))
    if kind == "washed_out":
        return Image.fromarray((0.45 * a + 0.55 * 200).astype(np.uint8))
    if kind == "noisy":
        noise = np.random.default_rng(seed).normal(0, 20, a.shape)
        return Image.fromarray(np.clip(a + noise, 0, 255).astype(np.uint8))
    if kind == "text_overlay":
        img = photo.copy()
        draw = ImageDraw.Draw(img)
        font = _font(photo.height // 10)
        for k, line in enumerate(("BEST DEALS TODAY", "50% OFF EVERYTHING", "CLICK HERE NOW")):
            y = photo.height // 12 + k * photo.height // 4
            draw.text((photo.width // 16, y), line, fill=(255, 255, 0), font=font,
                      stroke_width=3, stroke_fill=(0, 0, 0))  # fmt: skip
        return img
    if kind == "off_centre_crop":
        w, h = photo.size
        return photo.crop((int(0.45 * w), int(0.45 * h), w, h)).resize((w, h), Image.BICUBIC)
    raise ValueError(kind)


KINDS = ("blur", "dim", "blown_out", "washed_out", "noisy", "text_overlay", "off_centre_crop")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kodak", type=Path, default=ROOT.parent / "shared" / "data" / "kodak")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "curate_kodak.json"
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=ROOT / "src" / "photogenic" / "recipes" / "curate-photos.yaml",
    )
    args = parser.parse_args()

    from photogenic.config import load_config
    from photogenic.curate.config import CurateConfig
    from photogenic.curate.worker import config_payload, run_shard
    from photogenic.data import open_dataset

    config = load_config(CurateConfig, args.config, ["offensive.enabled=false"])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for index, src in enumerate(sorted(args.kodak.glob("*.png"))):
            photo = Image.open(src).convert("RGB")
            for kind in ("original", *KINDS):
                img = photo if kind == "original" else degrade(photo, kind, index)
                name = f"{src.stem}_{kind}.jpg"
                img.save(folder / name, quality=90)
                rows.append({"file_name": name, "text": f"a photograph of {src.stem} ({kind})"})
        with open(folder / "metadata.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        items = list(enumerate(open_dataset(folder)))
        records = run_shard(config_payload(config), items, measure_only=True)["records"]
    scores: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in records:
        photo, kind = row["file_name"][:-4].split("_", 1)
        scores[photo][kind] = row["values"]
    result: dict = {
        "benchmark": "curate_kodak",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "photos": len(scores),
        "config": str(args.config.relative_to(ROOT))
        if args.config.is_relative_to(ROOT)
        else str(args.config),
        "pairwise_accuracy": {},
        "mean_score": {
            "original": round(
                float(np.mean([s["original"]["photogenic_score"] for s in scores.values()])), 4
            )
        },
        "largest_drop_principle": {},
    }
    principles = [
        k
        for k in next(iter(scores.values()))["original"]
        if k.startswith("photogenic_") and k != "photogenic_score"
    ]
    for kind in KINDS:
        wins = [
            s["original"]["photogenic_score"] > s[kind]["photogenic_score"] for s in scores.values()
        ]
        result["pairwise_accuracy"][kind] = round(float(np.mean(wins)), 3)
        result["mean_score"][kind] = round(
            float(np.mean([s[kind]["photogenic_score"] for s in scores.values()])), 4
        )
        drops = {
            p: float(np.mean([s["original"][p] - s[kind][p] for s in scores.values()]))
            for p in principles
        }
        result["largest_drop_principle"][kind] = {
            k: round(v, 4) for k, v in sorted(drops.items(), key=lambda kv: -kv[1])[:2]
        }
    result["all_at_least_0.9"] = all(v >= 0.9 for v in result["pairwise_accuracy"].values())
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
