"""Throughput of the curation funnel on real JPEG photos, against the decode bound and cleanvision.

Builds JPEG pools from the Kodak photos (768×512 as shipped, and upscaled to 2048×1365; flipped and
cropped variants, 48 per photo by default (1,152 files), so the pool is large enough to amortise starting the
worker processes) in a temporary folder, then measures in one run (each measurement repeated,
``--repeats``, alternating between them; the best rate of each is reported with every repeat's rate
beside it, since on a shared machine the best is the least disturbed, and so is the median of the
repeats' paired ratios, funnel over the bound measured just before it):

- ``decode_bound``: Pillow decoding the same files with the same ``draft`` the funnel uses, on the
  same number of processes (the ceiling for any funnel that must look at the pixels),
- ``funnel``: ``photogenic curate run`` with the weight-free stages (1-3, 7-9; OCR, offensive and
  learned scorers off), images/s of the per-item pass (like the decode bound's, without starting
  the worker processes, which is reported beside it) and of the whole run,
- ``cleanvision``: cleanvision's default ``find_issues`` on the 768×512 pool (if installed),
- the model stages separately, images/s on one process: OCR text detection, nudenet, and the
  learned scorers on CLIPs of the released sizes with random weights (the CLIP score on
  ViT-B/32, the aesthetic MLP on ViT-L/14; no weights can be downloaded here, and a forward
  pass costs the same whatever they are),
- peak memory (RSS, the driver and each worker) of the funnel on a small and a larger world pool,
  beside that of the CLI doing nothing (``curate --help``), which the imports alone set.

With ``--baseline-src`` (e.g. ``git worktree add /tmp/base HEAD~1``, then ``--baseline-src
/tmp/base/src``) each repeat also runs that checkout's funnel against a bound measured just before
it, so a change is judged against its baseline in the same run.

Usage: python benchmarks/curate_speed.py --kodak ../shared/data/kodak --out benchmarks/results/curate_speed.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image
from provenance import baseline_record

ROOT = Path(__file__).resolve().parents[1]
SIDE = 256  # photogenic.measure_side of the default (photos) config


def make_pool(kodak: Path, folder: Path, long_side: int, variants: int) -> list[Path]:
    """JPEG copies of the Kodak photos scaled to ``long_side``, as an imagefolder dataset."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for src in sorted(kodak.glob("*.png")):
        photo = Image.open(src).convert("RGB")
        w, h = photo.size
        scale = long_side / max(w, h)
        photo = photo.resize((round(w * scale), round(h * scale)), Image.LANCZOS)
        for v in range(variants):
            img = photo.transpose(Image.FLIP_LEFT_RIGHT) if v % 2 else photo
            if v >= 2:  # crops of 2.5 % steps, so the variants are not exact copies
                cw, ch = img.size
                cut = v // 2 / 40
                box = (round(cw * cut), round(ch * cut), cw, ch)
                img = img.crop(box).resize((cw, ch), Image.BICUBIC)
            name = f"{src.stem}_{v}.jpg"
            img.save(folder / name, quality=90)
            rows.append(
                {"file_name": name, "text": f"a photograph of scene {src.stem} variant {v}"}
            )
    with open(folder / "metadata.jsonl", "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row) + "\n")
    return [folder / r["file_name"] for r in rows]


def _decode(path: Path) -> int:
    with Image.open(path) as im:
        w, h = im.size
        short = min(w, h)
        if short >= 2 * SIDE:
            im.draft("RGB", (SIDE * w // short, SIDE * h // short))
        im.load()
        return im.size[0]


def decode_bound(paths: list[Path], workers: int, repeat: int = 3) -> dict:
    """Images/s of plain Pillow draft decoding on ``workers`` processes."""
    work = paths * repeat
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(_decode, paths[:workers])  # warm up
        start = time.perf_counter()
        pool.map(_decode, work, chunksize=8)
        seconds = time.perf_counter() - start
    return {
        "images": len(work),
        "seconds": round(seconds, 3),
        "images_per_second": round(len(work) / seconds, 1),
    }


def funnel(pool: Path, out: Path, workers: int, extra: list[str], src: Path | None = None) -> dict:
    """One ``curate run`` with the weight-free stages; its summary plus peak memory. ``src``: run
    the package found there instead (another checkout's ``src``, for an A/B in one run)."""
    if out.exists():
        shutil.rmtree(out)
    cmd = [sys.executable, "-m", "photogenic.cli.main", "curate", "run", "--input", str(pool),
           "--out", str(out), "--workers", str(workers), "--no-progress",
           "--skip", "ocr", "--skip", "offensive", *extra]  # fmt: skip
    # a wrapper process, so the peak RSS is that of this run's processes only
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    env = None if src is None else dict(os.environ, PYTHONPATH=str(src))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - start
    peak_kb = int(done.stdout.strip().splitlines()[-1])
    summary = json.loads((out / "summary.json").read_text())
    p1 = summary["pass1"]
    return {
        "items": summary["input"],
        "per_item_pass_images_per_second": summary["images_per_second"],
        "per_item_pass_seconds": p1["seconds"],
        "engine_startup_seconds": p1.get("startup_seconds"),  # workers forked, kernels loaded
        "engine_shutdown_seconds": p1.get("shutdown_seconds"),  # workers stopped
        "whole_run_seconds": round(wall, 3),
        "whole_run_images_per_second": round(summary["input"] / wall, 1),
        "stage_cpu_seconds": summary["stage_cpu_seconds"],
        "stage_cpu_ms_per_image": {
            k: round(1000 * v / summary["input"], 2)
            for k, v in summary["stage_cpu_seconds"].items()
        },
        "kept": summary["kept"],
        "peak_rss_mb_largest_process": round(peak_kb / 1024, 1),
    }


def cli_baseline_rss_mb() -> float:
    """Peak RSS of ``photogenic curate --help``: what importing the CLI costs before any work."""
    cmd = [sys.executable, "-m", "photogenic.cli.main", "curate", "--help"]
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
        "stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True
    )
    return round(int(done.stdout.strip().splitlines()[-1]) / 1024, 1)


def cleanvision_rate(folder: Path) -> dict:
    """cleanvision 0.3.x default issue search on the same files."""
    try:
        from cleanvision import Imagelab
    except ImportError as exc:
        return {"skipped": f"cleanvision not installed ({exc})"}
    paths = [str(p) for p in sorted(folder.glob("*.jpg"))]
    start = time.perf_counter()
    lab = Imagelab(filepaths=paths)
    lab.find_issues(verbose=False)
    seconds = time.perf_counter() - start
    return {
        "images": len(paths),
        "seconds": round(seconds, 3),
        "images_per_second": round(len(paths) / seconds, 1),
    }


# the released CLIP sizes the learned scorers are used with (transformers' config names)
CLIP_SIZES = {
    "ViT-B/32": {
        "vision": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                   "num_attention_heads": 12, "patch_size": 32, "image_size": 224},
        "text": {"hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12,
                 "num_attention_heads": 8},
        "projection_dim": 512,
    },
    "ViT-L/14": {  # the LAION aesthetic predictor's backbone
        "vision": {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24,
                   "num_attention_heads": 16, "patch_size": 14, "image_size": 224},
        "text": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                 "num_attention_heads": 12},
        "projection_dim": 768,
    },
}  # fmt: skip


def random_clip(folder: Path, size: str, words: list[str]) -> Path:
    """A CLIP of a released size with random weights (a forward pass costs the same whatever the
    weights), a word-level tokenizer of ``words`` and the 224 px image processor, saved locally;
    no download."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    from photogenic.train.families.tokenizer import build_clip_tokenizer

    tokenizer = build_clip_tokenizer(words, model_max_length=77)
    spec = CLIP_SIZES[size]
    text = {
        **spec["text"],
        "vocab_size": len(tokenizer),
        "max_position_embeddings": 77,
        "bos_token_id": tokenizer.bos_token_id,
        "eos_token_id": tokenizer.eos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
    }
    config = CLIPConfig(
        text_config=text, vision_config=spec["vision"], projection_dim=spec["projection_dim"]
    )
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    CLIPImageProcessor().save_pretrained(folder)  # shortest side 224, centre crop 224
    return folder


def model_stage_rates(folder: Path, n: int = 24) -> dict:
    """Images/s of the model stages on one process: OCR detection at 640 px, nudenet at 320 px,
    and the learned scorers on CLIPs of released sizes with random weights (``random_clip``):
    the CLIP score on ViT-B/32, the aesthetic MLP on ViT-L/14."""
    import torch

    from photogenic.config import from_dict
    from photogenic.curate.config import CurateConfig
    from photogenic.curate.worker import config_payload, run_shard
    from photogenic.data import open_dataset
    from photogenic.models.aesthetic import AestheticMLP

    items = list(open_dataset(folder))[:n]
    models = folder.parent / "models"
    words = sorted({w for item in items for w in (item.text or "").split()})
    b32 = random_clip(models / "b32", "ViT-B/32", words)
    l14 = random_clip(models / "l14", "ViT-L/14", words)
    torch.save(
        AestheticMLP(CLIP_SIZES["ViT-L/14"]["projection_dim"]).state_dict(), models / "head.pt"
    )
    stages = {
        "ocr": {"ocr": {"enabled": True}},
        "offensive": {"offensive": {"enabled": True}},
        "clip_score": {"clip_score": {"model": str(b32), "min_score": -1000.0}},
        "aesthetic": {
            "aesthetic": {"model": str(l14), "head": str(models / "head.pt"), "min_score": -1000.0}
        },
    }
    out = {}
    for stage, section in stages.items():
        base = {"ocr": {"enabled": False}, "offensive": {"enabled": False}}
        payload = config_payload(from_dict(CurateConfig, {**base, **section}))
        run_shard(payload, list(enumerate(items[:2])))  # load the model
        start = time.perf_counter()
        result = run_shard(payload, list(enumerate(items)))
        seconds = time.perf_counter() - start
        secs = result["seconds"].get(stage, 0.0)
        out[stage] = {
            "images": len(items),
            "stage_seconds": round(secs, 3),
            "stage_images_per_second_1_core": round(len(items) / secs, 2) if secs else None,
            "all_stages_seconds": round(seconds, 3),
        }
    out["clip_score"]["model"] = "ViT-B/32 size, random weights"
    out["aesthetic"]["model"] = "ViT-L/14 size, random weights, LAION-style MLP head"
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kodak", type=Path, default=ROOT.parent / "shared" / "data" / "kodak")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "curate_speed.json"
    )
    parser.add_argument("--variants", type=int, default=48, help="files per Kodak photo")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="alternated runs; the best counts")
    parser.add_argument(
        "--world-small", type=Path, default=None, help="world pool for the RSS check"
    )
    parser.add_argument("--world-large", type=Path, default=None)
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="another checkout's src: its funnel runs too, alternated, against its own bound",
    )
    args = parser.parse_args()
    result: dict = {
        "benchmark": "curate_speed",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpu_count": multiprocessing.cpu_count(),
        },  # fmt: skip
        "workers": args.workers,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        for label, side in (("768x512", 768), ("2048x1365", 2048)):
            folder = tmp_path / label
            paths = make_pool(args.kodak, folder, side, args.variants)
            bounds, runs, cvs, baseline = [], [], [], []
            extra = ["--set", "select.top_k=20"]
            for _ in range(args.repeats):  # alternated, so load from other jobs hits all alike
                bounds.append(decode_bound(paths, args.workers, repeat=2))
                runs.append(funnel(folder, tmp_path / f"run-{label}", args.workers, extra))
                if args.baseline_src is not None:
                    bound_b = decode_bound(paths, args.workers, repeat=2)["images_per_second"]
                    run_b = funnel(
                        folder, tmp_path / f"base-{label}", args.workers, extra, args.baseline_src
                    )
                    baseline.append(run_b["per_item_pass_images_per_second"] / bound_b)
                if side == 768:
                    cvs.append(cleanvision_rate(folder))
            bound = max(bounds, key=lambda b: b["images_per_second"])
            run = max(runs, key=lambda r: r["per_item_pass_images_per_second"])
            rate = run["per_item_pass_images_per_second"]
            paired = [
                r["per_item_pass_images_per_second"] / b["images_per_second"]
                for r, b in zip(runs, bounds, strict=True)
            ]
            entry = {
                "images": len(paths),
                "repeats": args.repeats,
                "decode_bound": bound,
                "funnel_weight_free": run,
                "funnel_over_decode_bound": round(rate / bound["images_per_second"], 3),
                "funnel_over_decode_bound_each_repeat": [round(x, 3) for x in paired],
                # steadier than best over best: each funnel run against the bound measured next
                # to it, so load that slows both cancels out
                "funnel_over_decode_bound_median_of_repeats": round(statistics.median(paired), 3),
                "decode_bound_images_per_second_each": [b["images_per_second"] for b in bounds],
                "funnel_images_per_second_each": [
                    r["per_item_pass_images_per_second"] for r in runs
                ],
            }
            if baseline:
                entry |= baseline_record(args.baseline_src)
                entry["baseline_over_decode_bound_each_repeat"] = [round(x, 3) for x in baseline]
                entry["baseline_over_decode_bound_median_of_repeats"] = round(
                    statistics.median(baseline), 3
                )
            if side == 768:
                cv = max(cvs, key=lambda c: c.get("images_per_second", 0.0))
                entry["cleanvision"] = cv
                if "images_per_second" in cv:
                    entry["cleanvision_images_per_second_each"] = [
                        c["images_per_second"] for c in cvs
                    ]
                    entry["funnel_over_cleanvision"] = round(rate / cv["images_per_second"], 2)
                entry["model_stages"] = model_stage_rates(folder)
            result["sizes"][label] = entry
            print(label, json.dumps(entry, indent=1), flush=True)
        if args.world_small is not None or args.world_large is not None:
            result["cli_baseline_peak_rss_mb"] = cli_baseline_rss_mb()
        world_cfg = ["--config", str(ROOT / "src" / "photogenic" / "recipes" / "curate-world.yaml")]
        for key, pool in (("world_small", args.world_small), ("world_large", args.world_large)):
            if pool is not None:
                result[key] = funnel(pool, tmp_path / f"run-{key}", args.workers, world_cfg)
                print(key, result[key], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
