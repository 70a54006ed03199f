"""Compare a rebuilt demo base with the shipped one: every weight file tensor by tensor, every
config, and the build record's curves. Writes a JSON record; exits 0 whether or not they match.

    python benchmarks/demo_base_compare.py --rebuilt runs/f4-rebuild-installed \
        --log runs/f4-rebuild.log --out benchmarks/results/demo_base_rebuild_f4.json
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file

from photogenic.demo.base import BASE_DIR


def compare_weights(shipped: Path, rebuilt: Path) -> dict[str, Any]:
    """Per tensor: equal, or the largest absolute difference; missing names on either side."""
    ours, theirs = load_file(str(shipped)), load_file(str(rebuilt))
    differing = {}
    for name in sorted(set(ours) & set(theirs)):
        a, b = ours[name], theirs[name]
        if a.shape != b.shape or a.dtype != b.dtype:
            differing[name] = (
                f"shape/dtype {tuple(a.shape)} {a.dtype} vs {tuple(b.shape)} {b.dtype}"
            )
        elif not torch.equal(a, b):
            differing[name] = float((a.float() - b.float()).abs().max())
    return {
        "tensors": len(ours),
        "equal": not differing and set(ours) == set(theirs),
        "bytes_equal": shipped.read_bytes() == rebuilt.read_bytes(),
        "only_shipped": sorted(set(ours) - set(theirs)),
        "only_rebuilt": sorted(set(theirs) - set(ours)),
        "differing": differing,
    }


def compare_files(shipped_dir: Path, rebuilt_dir: Path) -> dict[str, Any]:
    """Every file of the shipped base against the rebuilt base's file of the same name."""
    record: dict[str, Any] = {}
    for shipped in sorted(p for p in shipped_dir.rglob("*") if p.is_file()):
        name = str(shipped.relative_to(shipped_dir))
        rebuilt = rebuilt_dir / name
        if not rebuilt.is_file():
            record[name] = "missing in the rebuilt base"
        elif shipped.suffix == ".safetensors":
            record[name] = compare_weights(shipped, rebuilt)
        elif shipped.name == "build.json":
            record[name] = compare_build(shipped, rebuilt)
        else:
            record[name] = {"bytes_equal": shipped.read_bytes() == rebuilt.read_bytes()}
    return record


def compare_build(shipped: Path, rebuilt: Path) -> dict[str, Any]:
    """Each stage's steps, best step and validation curve, side by side."""
    ours, theirs = json.loads(shipped.read_text()), json.loads(rebuilt.read_text())
    stages = {}
    for stage in sorted(set(ours) | set(theirs)):
        a, b = ours.get(stage), theirs.get(stage)
        stages[stage] = {"equal": a == b, "shipped": _brief(a), "rebuilt": _brief(b)}
    return {"bytes_equal": shipped.read_bytes() == rebuilt.read_bytes(), "stages": stages}


def _brief(stage: Any) -> Any:
    if not isinstance(stage, dict):
        return stage
    return {k: v for k, v in stage.items() if not isinstance(v, list)} | {
        "last_validation": stage.get("validations", [None])[-1]
    }


def wall_time(log: Path) -> str | None:
    """The ``real`` line that ``time`` wrote at the end of the rebuild's log."""
    lines = [
        line for line in log.read_text(errors="replace").splitlines() if line.startswith("real")
    ]
    return lines[-1].split()[-1] if lines else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuilt", type=Path, required=True, help="the installed rebuild")
    parser.add_argument("--shipped", type=Path, default=BASE_DIR)
    parser.add_argument("--log", type=Path, help="the rebuild's log, ending in `time`'s output")
    parser.add_argument("--command", default="", help="the command that made --rebuilt")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    files = compare_files(args.shipped, args.rebuilt)
    weights = {k: v for k, v in files.items() if k.endswith(".safetensors")}
    record = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, torch {torch.__version__}",
        "commit": subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip(),
        "command": args.command,
        "wall": wall_time(args.log) if args.log else None,
        "all_weights_equal": all(isinstance(v, dict) and v["equal"] for v in weights.values()),
        "files": files,
    }
    args.out.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps({k: v for k, v in record.items() if k != "files"}, indent=2))
    for name, result in files.items():
        equal = (
            result.get("equal", result.get("bytes_equal")) if isinstance(result, dict) else result
        )
        print(f"{name}: {equal}")


if __name__ == "__main__":
    main()
