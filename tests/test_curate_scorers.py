"""Learned scorers on tiny random local models, the offensive-content filters, and their notices."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from photogenic.config import from_dict
from photogenic.curate.config import CurateConfig
from photogenic.curate.funnel import notices
from photogenic.curate.worker import config_payload, run_shard
from photogenic.data.item import Item
from photogenic.models.aesthetic import AestheticMLP


def byte_chars():
    """GPT-2's byte-to-unicode table (the base alphabet of CLIP's BPE)."""
    bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for c in cs]


def tiny_clip(folder):
    """A random 2-layer CLIP with a byte-level tokenizer and image processor, saved locally."""
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPTokenizer

    chars = byte_chars()
    vocab = {c: i for i, c in enumerate(chars + [c + "</w>" for c in chars])}
    vocab.update({"<|startoftext|>": len(vocab), "<|endoftext|>": len(vocab) + 1})
    folder.mkdir(parents=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt")).save_pretrained(folder)
    CLIPImageProcessorPil(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(folder)
    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={"vocab_size": len(vocab), "hidden_size": 32, "intermediate_size": 37,
                     "num_hidden_layers": 2, "num_attention_heads": 2,
                     "max_position_embeddings": 40},
        vision_config={"image_size": 32, "patch_size": 8, "hidden_size": 32,
                       "intermediate_size": 37, "num_hidden_layers": 2, "num_attention_heads": 2},
        projection_dim=16,
    )  # fmt: skip
    CLIPModel(config).save_pretrained(folder)
    return folder


def items(n=5):
    rng = np.random.default_rng(0)
    out = []
    for k in range(n):
        img = Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8))
        out.append((k, Item(f"i{k}", f"i{k}.png", f"a photo of thing number {k}", path=None)))
        out[-1][1].data = _png(img)
    return out


def _png(img):
    import io

    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def config(**sections):
    base = {"size": {"min_side": 16}, "ocr": {"enabled": False}, "offensive": {"enabled": False}}
    base.update(sections)
    return from_dict(CurateConfig, base)


def test_clip_and_aesthetic_scores_from_local_weights(tmp_path):
    clip = tiny_clip(tmp_path / "clip")
    torch.manual_seed(1)
    torch.save(AestheticMLP(16).state_dict(), tmp_path / "head.pth")
    cfg = config(
        clip_score={"model": str(clip), "min_score": -1000.0},
        aesthetic={"model": str(clip), "head": str(tmp_path / "head.pth"), "min_score": -1000.0},
    )
    assert "clip_score" not in notices(cfg) and "aesthetic" not in notices(cfg)
    records = run_shard(config_payload(cfg), items())["records"]
    clip_scores = [r["values"]["clip_score"] for r in records]
    ratings = [r["values"]["aesthetic_score"] for r in records]
    assert all(-100 <= s <= 100 for s in clip_scores) and len(set(clip_scores)) == len(records)
    assert len(set(ratings)) == len(records) and all(r["stage"] is None for r in records)
    # a threshold above every score drops them all, with the stage and reason recorded
    strict = config(clip_score={"model": str(clip), "min_score": 1000.0})
    dropped = run_shard(config_payload(strict), items())["records"]
    assert {(r["stage"], r["reason"]) for r in dropped} == {("clip_score", "clip_score_low")}


def test_scorers_without_weights_are_skipped_with_a_notice(tmp_path):
    cfg = config(aesthetic={"model": str(tmp_path / "nope"), "head": None})
    notes = notices(cfg)
    assert "no clip_score.model given" in notes["clip_score"]
    assert "not found" in notes["aesthetic"]
    records = run_shard(config_payload(cfg), items(2))["records"]
    assert all("clip_score" not in r["values"] for r in records)


class FlagEverySecond:
    """A plug-in offensive filter: flags images whose mean is above the median of the batch."""

    def __init__(self, cfg):
        self.cfg = cfg

    def score(self, images):
        means = [float(np.asarray(i).mean()) for i in images]
        cut = float(np.median(means))
        return [(1.0 if m > cut else 0.0, "too_bright") for m in means]


def test_offensive_plugin_and_packaged_nudenet():
    plugin = config(offensive={"enabled": True, "plugin": f"{__name__}:FlagEverySecond"})
    records = run_shard(config_payload(plugin), items(4))["records"]
    flagged = [r for r in records if r["stage"] == "offensive"]
    assert len(flagged) == 2 and all(
        r["values"]["offensive_label"] == "too_bright" for r in flagged
    )
    packaged = config(offensive={"enabled": True, "filter": "nudenet"})
    assert "offensive" not in notices(packaged)
    records = run_shard(config_payload(packaged), items(2))["records"]
    assert all(r["stage"] is None and r["values"]["offensive_score"] < 0.5 for r in records)


def test_unknown_plugin_is_a_clear_error():
    from photogenic.errors import PhotogenicError

    bad = config(offensive={"enabled": True, "plugin": "no_such_module:thing"})
    with pytest.raises(PhotogenicError, match="cannot import no_such_module"):
        notices(bad)
