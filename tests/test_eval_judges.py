"""Automated judges: the weight-free photogenic score, the registry, and CLIP-based judges on tiny
random CLIP models built here and loaded by path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageFilter

from photogenic.curate.measures import measure_all
from photogenic.errors import PhotogenicError
from photogenic.evaluate.judges import (
    JUDGES,
    JudgeOptions,
    decide,
    judge_pairs,
    photogenic_score,
    photogenic_terms,
    register_image_score_judge,
)
from photogenic.evaluate.pairs import Pair

WORDS = ["a", "red", "disc", "blue", "sky", "grey", "square"]


def good_image(size: int = 64) -> np.ndarray:
    """A vivid red disc on a thirds point over a blue-sky gradient."""
    y, x = np.mgrid[0:size, 0:size] / size
    img = np.zeros((size, size, 3))
    img[..., 0] = 0.35 + 0.25 * y
    img[..., 1] = 0.55 + 0.25 * y
    img[..., 2] = 0.95
    disc = (x - 1 / 3) ** 2 + (y - 1 / 3) ** 2 < 0.12**2
    img[disc] = (0.9, 0.1, 0.1)
    return (img * 255).round().astype(np.uint8)


def degraded(img: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    f = img.astype(np.float64)
    grey = f.mean(axis=2, keepdims=True)
    blurred = Image.fromarray(img).filter(ImageFilter.GaussianBlur(3))
    return {
        "dark": (f * 0.2).astype(np.uint8),
        "blown": np.clip(f * 2.5 + 60, 0, 255).astype(np.uint8),
        "washed": (0.2 * f + 0.8 * grey).astype(np.uint8),
        "noisy": np.clip(f + rng.normal(0, 30, f.shape), 0, 255).astype(np.uint8),
        "blurred": np.asarray(blurred),
    }


def test_photogenic_score_prefers_the_clean_image_to_each_fault():
    good = good_image()
    s = photogenic_score(good)
    assert 0.0 <= s <= 1.0
    for name, bad in degraded(good).items():
        assert photogenic_score(bad) < s, name
    terms = photogenic_terms(measure_all(good))
    assert set(terms) >= {"exposure", "contrast", "colour", "sharpness", "noise", "composition"}
    assert all(0.0 <= v <= 1.0 for v in terms.values())
    assert s == pytest.approx(sum(terms.values()) / len(terms))


def test_decide_uses_the_tie_threshold():
    assert decide(0.3, 0.1) == "a" and decide(-0.3, 0.1) == "b"
    assert decide(0.05, 0.1) == "tie" and decide(-0.05, 0.1) == "tie"
    assert decide(0.0, 0.0) == "tie" and decide(1e-9, 0.0) == "a"


def _pairs(tmp_path: Path, images_a, images_b, prompts=None) -> list[Pair]:
    pairs = []
    for i, (a, b) in enumerate(zip(images_a, images_b, strict=True)):
        for side, img in (("a", a), ("b", b)):
            (tmp_path / side).mkdir(exist_ok=True)
            Image.fromarray(img).save(tmp_path / side / f"{i}.png")
        prompt = prompts[i] if prompts else "a red disc"
        pairs.append(
            Pair(
                f"p{i}#0", f"p{i}", 0, prompt, "cat", "Basic", f"a/{i}.png", f"b/{i}.png", "A", "B"
            )
        )
    return pairs


def test_photogenic_judge_writes_schema_rows_with_margins(tmp_path):
    good = good_image()
    bad = degraded(good)
    pairs = _pairs(tmp_path, [good, bad["dark"], good], [bad["noisy"], good, good])
    judge = JUDGES.get("photogenic")(JudgeOptions())
    rows = judge_pairs(judge, pairs, tmp_path)
    assert [r["choice"] for r in rows] == ["a", "b", "tie"]  # identical images tie
    assert rows[0]["margin"] > 0 > rows[1]["margin"] and rows[2]["margin"] == 0
    assert all(r["judge"] == "photogenic" and r["axis"] == "appeal" for r in rows)
    assert {"pair_id", "prompt", "category", "image_a", "image_b", "model_a", "model_b"} <= set(
        rows[0]
    )
    # a threshold above every margin makes everything a tie
    rows = judge_pairs(judge, pairs, tmp_path, tie_threshold=10.0)
    assert {r["choice"] for r in rows} == {"tie"}
    with pytest.raises(PhotogenicError, match="faithfulness"):
        judge_pairs(judge, pairs, tmp_path, axes=["faithfulness"])


def test_any_image_score_function_becomes_a_judge(tmp_path):
    name = "test-brightness"
    if name not in JUDGES:
        register_image_score_judge(name, lambda img: float(img.mean()) / 255, tie_threshold=0.0)
    dark = np.full((16, 16, 3), 40, np.uint8)
    light = np.full((16, 16, 3), 200, np.uint8)
    rows = judge_pairs(
        JUDGES.get(name)(JudgeOptions()), _pairs(tmp_path, [dark, light], [light, dark]), tmp_path
    )
    assert [r["choice"] for r in rows] == ["b", "a"]
    assert rows[1]["margin"] == pytest.approx(160 / 255, abs=1e-6)
    with pytest.raises(ValueError):
        register_image_score_judge(name, lambda img: 0.0)  # names are unique


@pytest.fixture(scope="module")
def tiny_clip(tmp_path_factory) -> Path:
    """A tiny random transformers CLIPModel with tokenizer and image processor, saved to disk."""
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    from photogenic.train.families.tokenizer import build_clip_tokenizer

    out = tmp_path_factory.mktemp("clip")
    tokenizer = build_clip_tokenizer(WORDS, model_max_length=16)
    config = CLIPConfig(
        text_config={
            "vocab_size": len(tokenizer),
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "max_position_embeddings": 16,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 1,
        },
        vision_config={
            "image_size": 32,
            "patch_size": 8,
            "hidden_size": 32,
            "intermediate_size": 37,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
        },
        projection_dim=16,
    )
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    CLIPImageProcessor(
        size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}
    ).save_pretrained(out)
    return out


def _embeddings(folder: Path, images, texts):
    from transformers import CLIPImageProcessor, CLIPModel, CLIPTokenizer

    model = CLIPModel.from_pretrained(folder).eval()
    pixels = CLIPImageProcessor.from_pretrained(folder)(images=images, return_tensors="pt")
    tokens = CLIPTokenizer.from_pretrained(folder)(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        img = model.visual_projection(
            model.vision_model(pixel_values=pixels["pixel_values"]).pooler_output
        )
        txt = model.text_projection(model.text_model(**tokens).pooler_output)
    img = img / img.norm(dim=-1, keepdim=True)
    txt = txt / txt.norm(dim=-1, keepdim=True)
    return model, img, txt


def test_clip_score_and_preference_judges_on_a_local_tiny_clip(tmp_path, tiny_clip):
    good = good_image(32)
    other = degraded(good)["washed"]
    prompts = ["a red disc", "a grey square"]
    pairs = _pairs(tmp_path, [good, other], [other, good], prompts)
    images = [Image.fromarray(good), Image.fromarray(other)]
    model, img, txt = _embeddings(tiny_clip, images + images, prompts[:1] * 2 + prompts[1:] * 2)
    cos = (img * txt).sum(-1)  # [good|p0, other|p0, good|p1, other|p1]

    clip = JUDGES.get("clip-score")(JudgeOptions(weights=tiny_clip))
    rows = judge_pairs(clip, pairs, tmp_path, tie_threshold=0.0)
    assert {r["axis"] for r in rows} == {"faithfulness"}
    expect = 2.5 * cos.clamp_min(0)  # CLIPScore = 2.5 max(cos, 0)
    assert rows[0]["margin"] == pytest.approx(float(expect[0] - expect[1]), abs=1e-5)
    assert rows[1]["margin"] == pytest.approx(float(expect[3] - expect[2]), abs=1e-5)

    pick = JUDGES.get("pickscore")(JudgeOptions(weights=tiny_clip))
    rows = judge_pairs(pick, pairs, tmp_path, tie_threshold=0.0)
    scale = float(model.logit_scale.exp())
    assert rows[0]["axis"] == "appeal"
    assert rows[0]["margin"] == pytest.approx(scale * float(cos[0] - cos[1]), abs=1e-4)
    both = judge_pairs(
        JUDGES.get("hps")(JudgeOptions(weights=tiny_clip)),
        pairs,
        tmp_path,
        axes=["appeal", "faithfulness"],
    )
    assert [r["axis"] for r in both] == ["appeal", "faithfulness"] * 2


def test_aesthetic_judge_loads_a_local_head(tmp_path, tiny_clip):
    from photogenic.models.aesthetic import AestheticMLP

    torch.manual_seed(1)
    head = AestheticMLP(16)
    head_path = tmp_path / "head.pth"
    torch.save(head.state_dict(), head_path)
    # the released LAION head's parameter names
    assert (
        sorted(head.state_dict())[0] == "layers.0.bias" and "layers.7.weight" in head.state_dict()
    )
    good = good_image(32)
    other = degraded(good)["dark"]
    (tmp_path / "imgs").mkdir()
    pairs = _pairs(tmp_path / "imgs", [good], [other])
    judge = JUDGES.get("aesthetic")(JudgeOptions(weights=tiny_clip, head=head_path))
    (row,) = judge_pairs(judge, pairs, tmp_path / "imgs", tie_threshold=0.0)
    _, img, _ = _embeddings(tiny_clip, [Image.fromarray(good), Image.fromarray(other)], ["a"])
    with torch.no_grad():
        expect = head.eval()(img)
    assert row["margin"] == pytest.approx(float(expect[0] - expect[1]), abs=1e-5)
    wrong = tmp_path / "wrong.pth"
    torch.save(AestheticMLP(8).state_dict(), wrong)
    with pytest.raises(PhotogenicError, match="16-d"):
        JUDGES.get("aesthetic")(JudgeOptions(weights=tiny_clip, head=wrong))


@pytest.mark.parametrize(
    ("name", "options", "needle"),
    [
        ("clip-score", JudgeOptions(), "--weights"),
        ("pickscore", JudgeOptions(weights=Path("/nonexistent/clip")), "not found"),
        ("aesthetic", JudgeOptions(weights=Path(".")), "--head"),
    ],
)
def test_judges_without_weights_fail_with_one_line_naming_the_option(name, options, needle):
    with pytest.raises(PhotogenicError) as err:
        JUDGES.get(name)(options)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_a_folder_that_is_not_a_clip_model_is_refused(tmp_path):
    with pytest.raises(PhotogenicError, match="config.json"):
        JUDGES.get("clip-score")(JudgeOptions(weights=tmp_path))
