"""The haystack world: determinism, workers, resume, every factor's effect on pixels, appeal."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from photogenic.config import load_config
from photogenic.curate import measures as m
from photogenic.errors import ConfigError, PhotogenicError
from photogenic.world import (
    FACTORS,
    GOOD_LEVELS,
    WorldConfig,
    caption,
    label_item,
    make_world,
    render_item,
    summarize,
    validate,
    world_prompts,
)

CFG = WorldConfig()
GOOD = {name: "good" for name in FACTORS}
# A content whose subject stands out and whose scene has several hues.
CONTENT = {
    "subject": "circle",
    "color": "yellow",
    "background": "hill",
    "position": "any",
    "size": "medium",
}
ROOT = Path(__file__).resolve().parents[1]


def variant(index=4, content=CONTENT, **bad):
    """Item ``index`` with every factor good except those in ``bad``."""
    return render_item(11, index, CFG, force={**GOOD, **bad}, content=content)


def measure(item):
    return m.measure_all(item.pixels())


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.glob("images/*"))}


# --- determinism, workers, resume -------------------------------------------------------------


def test_render_is_a_pure_function_of_seed_and_index():
    for i in (0, 7, 19):
        a, b = render_item(3, i, CFG), render_item(3, i, CFG)
        assert a.data == b.data and a.record == b.record and a.text == b.text
    assert render_item(3, 5, CFG).data != render_item(4, 5, CFG).data


def test_same_world_with_one_or_two_workers(tmp_path):
    one = make_world(tmp_path / "one", 24, seed=5, config=CFG, workers=1, progress=False)
    two = make_world(tmp_path / "two", 24, seed=5, config=CFG, workers=2, progress=False)
    meta = (tmp_path / "one" / "metadata.jsonl").read_bytes()
    assert meta == (tmp_path / "two" / "metadata.jsonl").read_bytes()
    assert files(tmp_path / "one") == files(tmp_path / "two")
    assert len(meta.splitlines()) == 24 and one["n"] == two["n"] == 24
    assert one["needles"] == two["needles"] and one["images_per_second"] > 0
    other = make_world(tmp_path / "other", 24, seed=6, config=CFG, progress=False)
    assert (tmp_path / "other" / "metadata.jsonl").read_bytes() != meta
    assert other["n"] == 24


def test_resume_after_interrupt_equals_one_clean_run(tmp_path):
    make_world(tmp_path / "clean", 20, seed=2, config=CFG, progress=False)
    out = tmp_path / "cut"
    make_world(out, 20, seed=2, config=CFG, progress=False)
    meta = out / "metadata.jsonl"
    lines = meta.read_bytes().splitlines(keepends=True)
    meta.write_bytes(b"".join(lines[:12]) + lines[12][:25])  # 12 rows and a torn 13th
    for name in (json.loads(line)["file_name"] for line in lines[14:]):
        (out / name).unlink()  # images of the lost rows may or may not exist
    summary = make_world(out, 20, seed=2, config=CFG, progress=False)
    assert summary["resumed"] == 12 and summary["generated"] == 8
    assert meta.read_bytes() == (tmp_path / "clean" / "metadata.jsonl").read_bytes()
    assert files(out) == files(tmp_path / "clean")
    again = make_world(out, 20, seed=2, config=CFG, progress=False)
    assert again["generated"] == 0 and again["n"] == 20


def test_existing_folder_must_hold_the_same_world(tmp_path):
    out = tmp_path / "w"
    make_world(out, 5, seed=1, config=CFG, progress=False)
    with pytest.raises(PhotogenicError, match="seed"):
        make_world(out, 5, seed=2, config=CFG, progress=False)
    with pytest.raises(PhotogenicError, match="n=5"):
        make_world(out, 6, seed=1, config=CFG, progress=False)
    changed = load_config(WorldConfig, None, ["quality.blur.p_bad=0.5"])
    with pytest.raises(PhotogenicError, match="config"):
        make_world(out, 5, seed=1, config=changed, progress=False)
    other = tmp_path / "other"
    other.mkdir()
    (other / "metadata.jsonl").write_text('{"file_name": "a.png", "text": "x"}\n')
    with pytest.raises(PhotogenicError, match="not this world"):
        make_world(other, 5, seed=1, config=CFG, progress=False)


def test_world_loads_with_datasets_imagefolder(tmp_path):
    import datasets

    make_world(tmp_path / "w", 12, seed=9, config=CFG, progress=False)
    ds = datasets.load_dataset(
        "imagefolder", data_dir=str(tmp_path / "w"), split="train", cache_dir=str(tmp_path / "c")
    )
    assert ds.num_rows == 12
    assert {"image", "text", "quality", "appeal", "needle", "duplicate_of"} <= set(ds.column_names)
    assert "label" not in ds.column_names
    row = ds[0]
    assert row["image"].size == (row["width"], row["height"])


# --- every factor changes the pixels in the intended direction ---------------------------------


def test_good_item_is_a_needle_with_a_clean_mask():
    item = variant()
    assert item.record["needle"] and item.record["quality"]["separation"] == "good"
    assert item.record["appeal"] > 0.97
    r = item.record["quality_values"]["subject_radius"] * 64
    assert item.mask.sum() == pytest.approx(math.pi * (0.95 * r) ** 2, rel=0.03)
    assert np.array_equal(variant(blur="blurred").mask, item.mask)  # mask is pre-degradation


def test_blur_lowers_sharpness():
    assert measure(variant(blur="blurred"))["sharpness"] < 0.3 * measure(variant())["sharpness"]


def test_exposure_moves_luminance_and_clipping():
    good, dim, blown = (
        measure(variant()),
        measure(variant(exposure="dim")),
        measure(variant(exposure="blown_out")),
    )
    assert dim["mean_luminance"] < good["mean_luminance"] - 0.15
    assert blown["mean_luminance"] > good["mean_luminance"] + 0.1
    assert blown["bright_fraction"] > good["bright_fraction"] + 0.1


def test_low_contrast_lowers_rms_contrast():
    assert (
        measure(variant(contrast="low"))["rms_contrast"] < 0.7 * measure(variant())["rms_contrast"]
    )


def test_saturation_faults():
    good = measure(variant())
    washed, mono = (
        measure(variant(saturation="washed_out")),
        measure(variant(saturation="monochrome")),
    )
    cast = measure(variant(saturation="color_cast"))
    assert washed["colorfulness"] < 0.6 * good["colorfulness"]
    assert mono["colorfulness"] < 10 and mono["saturation_mean"] < 0.05
    assert cast["dominant_hue_share"] > good["dominant_hue_share"] + 0.2
    assert cast["color_cast"] > good["color_cast"]


def test_noise_raises_the_noise_estimate():
    assert measure(variant(noise="noisy"))["noise_sigma"] > 3 * measure(variant())["noise_sigma"]


def test_jpeg_raises_blockiness():
    bad = variant(jpeg="artefacts")
    assert bad.ext == "jpg" and variant().ext == "png"
    assert measure(bad)["blockiness"] > measure(variant())["blockiness"] + 0.5


def test_composition_moves_cuts_and_shrinks_the_subject():
    thirds, centred = measure(variant()), measure(variant(composition="centred"))
    cut, small = measure(variant(composition="cut_off")), measure(variant(composition="too_small"))
    assert thirds["subject_thirds_distance"] < 0.06
    assert centred["subject_thirds_distance"] > 0.18 and centred["subject_centre_distance"] < 0.05
    assert cut["subject_touches_border"] == 1.0 and thirds["subject_touches_border"] == 0.0
    assert small["subject_area"] < 0.3 * thirds["subject_area"]


def test_caption_position_is_respected():
    for pos, axis, side in (
        ("left", "cx", -1),
        ("right", "cx", 1),
        ("top", "cy", -1),
        ("bottom", "cy", 1),
    ):
        item = variant(content={**CONTENT, "position": pos})
        assert item.text == caption(item.record["content"]) and pos in item.text
        comp = m.components(m.saliency_mask(item.pixels()))[0]
        coord = comp[axis] / 64 - 0.5
        assert coord * side > 0.1


def test_clutter_adds_salient_components():
    assert measure(variant())["clutter"] == 1
    assert measure(variant(clutter="cluttered"))["clutter"] >= 3


def test_directional_light_shades_the_subject():
    lit, flat = variant(), variant(lighting="flat")
    inside = lit.mask > 0.99

    def spread(item):
        return float(m.luma(item.pixels())[inside].std())

    assert spread(lit) > 3 * spread(flat) + 0.02


@pytest.mark.parametrize("level", ["overlay", "watermark"])
def test_text_changes_pixels_in_one_band(level):
    clean, texted = variant().pixels().astype(int), variant(text=level).pixels().astype(int)
    changed = np.abs(clean - texted).max(axis=2) > 30
    rows = np.flatnonzero(changed.any(axis=1))
    assert changed.sum() > 20
    assert rows.max() - rows.min() <= 16  # one line of glyphs (11 px font, 1 px outline)


def test_low_resolution_and_odd_aspect():
    low = variant(resolution="low").record
    assert 24 <= min(low["width"], low["height"]) <= 32
    wide, tall = variant(aspect="wide").record, variant(aspect="tall").record
    assert wide["width"] / wide["height"] == pytest.approx(3.0)
    assert tall["height"] / tall["width"] == pytest.approx(3.0)
    assert measure(variant(aspect="wide"))["aspect_ratio"] == pytest.approx(3.0)


def test_exact_duplicate_is_byte_identical_to_its_source():
    dup = render_item(11, 30, CFG, force={"duplicate": "exact"})
    src = render_item(11, int(dup.record["duplicate_of"]), CFG)
    assert int(dup.record["duplicate_of"]) < 30 and dup.record["duplicate_kind"] == "exact"
    assert dup.data == src.data and dup.text == src.text and not dup.record["needle"]
    assert dup.record["id"] != src.record["id"]


def _thumb(a):
    h, w = (a.shape[0] // 8) * 8, (a.shape[1] // 8) * 8
    return a[:h, :w].astype(float).reshape(8, h // 8, 8, w // 8, 3).mean(axis=(1, 3))


def test_near_duplicates_are_close_but_not_identical():
    kinds = set()
    for i in range(1, 60, 3):
        dup = render_item(11, i, CFG, force={"duplicate": "near"})
        src = render_item(11, int(dup.record["duplicate_of"]), CFG)
        a, b = dup.pixels(), src.pixels()
        assert a.shape == b.shape and not np.array_equal(a, b)
        assert np.abs(_thumb(a) - _thumb(b)).mean() < 15
        assert dup.record["appeal"] == src.record["appeal"]
        kinds.add(dup.ext == src.ext)
    assert kinds == {True, False}  # some were re-encoded to another format


def test_forcing_item_zero_to_be_a_duplicate_is_an_error():
    with pytest.raises(PhotogenicError):
        render_item(1, 0, CFG, force={"duplicate": "exact"})
    with pytest.raises(PhotogenicError, match="force"):
        render_item(1, 2, CFG, force={"blur": "fuzzy"})


# --- appeal -----------------------------------------------------------------------------------


def test_every_bad_level_lowers_appeal():
    for index in (4, 8):
        best = label_item(11, index, CFG, force=GOOD, content=CONTENT)
        assert best["needle"]
        for name, levels in FACTORS.items():
            for level in levels[1:]:
                worse = label_item(11, index, CFG, force={**GOOD, name: level}, content=CONTENT)
                assert worse["appeal"] < best["appeal"] - 0.05, (name, level)
                assert not worse["needle"]
    low = label_item(11, 4, CFG, force=GOOD, content={**CONTENT, "color": "green"})
    assert low["quality"]["separation"] == "low" and not low["needle"]


def test_needles_outrank_every_flawed_item_and_are_a_few_percent():
    rows = [label_item(0, i, CFG) for i in range(3000)]
    summary = summarize(rows)
    assert 0.02 <= summary["needle_fraction"] <= 0.05
    assert 0.01 < (summary["exact_duplicates"] + summary["near_duplicates"]) / 3000 < 0.1

    def flawed(row):
        q = row["quality"]
        return q["separation"] != "good" or any(q[f] != GOOD_LEVELS[f] for f in FACTORS)

    needles = [r["appeal"] for r in rows if r["needle"]]
    bad = [r["appeal"] for r in rows if flawed(r)]
    assert min(needles) > max(bad)
    assert all(0 <= r["appeal"] <= 1 for r in rows)
    assert set(rows[0]["appeal_parts"]) == {
        "composition",
        "lighting",
        "color",
        "subject",
        "technical",
    }


def test_labels_match_rendered_records():
    for i in range(40):
        item, labels = render_item(7, i, CFG), label_item(7, i, CFG)
        assert labels["text"] == item.text
        assert {k: item.record[k] for k in labels if k != "text"} == {
            k: v for k, v in labels.items() if k != "text"
        }


# --- content, prompts, config -----------------------------------------------------------------


def test_captions_describe_content_only():
    assert (
        caption(
            {
                "subject": "heart",
                "color": "blue",
                "size": "small",
                "position": "left",
                "background": "sea",
            }
        )
        == "a small blue heart on the left over a calm sea"
    )
    assert (
        caption(
            {
                "subject": "star",
                "color": "orange",
                "size": "medium",
                "position": "any",
                "background": "hill",
            }
        )
        == "an orange star above a green hill"
    )
    # forcing quality factors never changes the caption
    assert variant(blur="blurred", text="overlay").text == variant().text


def test_world_prompts_are_deterministic_content_only():
    prompts = world_prompts(50, seed=3)
    assert prompts == world_prompts(50, seed=3) and prompts != world_prompts(50, seed=4)
    assert len(prompts) == 50 and len({p["id"] for p in prompts}) == 50
    for p in prompts:
        assert p["text"] == caption(p["content"]) and p["category"] in ("shapes", "objects")
    assert len({p["content"]["subject"] for p in prompts}) >= 8


def test_example_config_is_the_defaults_and_validation():
    assert load_config(WorldConfig, ROOT / "configs" / "tiny-world.yaml") == WorldConfig()
    with pytest.raises(ConfigError, match="dragon"):
        validate(load_config(WorldConfig, None, ["content.subjects=[circle, dragon]"]))
    with pytest.raises(ConfigError, match="p_bad"):
        validate(load_config(WorldConfig, None, ["quality.noise.p_bad=1.5"]))
