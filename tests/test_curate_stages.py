"""Curation building blocks: decode for measurement, hashes, captions, dedup, balance, the score."""

import io

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from photogenic.curate.config import CurateConfig, PhotogenicConfig, Term
from photogenic.curate.features import measure_image
from photogenic.curate.hashing import dhash, hamming, phash
from photogenic.curate.load import jpeg_quality, load_item
from photogenic.curate.photogenic import desirability, score_values
from photogenic.curate.stages.caption import caption_values, caption_verdict
from photogenic.data.item import Item


def scene(w=320, h=240, seed=0):
    """A textured photo-like RGB image: gradient sky, a disc subject, some detail."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    img = np.zeros((h, w, 3), np.float32)
    img[..., 0] = 60 + 100 * yy / h
    img[..., 1] = 90 + 80 * xx / w
    img[..., 2] = 200 - 60 * yy / h
    disc = (xx - w / 3) ** 2 + (yy - h / 3) ** 2 < (h / 6) ** 2
    img[disc] = (230, 60, 40)
    img += rng.normal(0, 2, img.shape)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8))


def jpeg_bytes(image, quality=90):
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def test_load_uses_draft_for_big_jpegs_and_reads_quality():
    big = scene(1600, 1200)
    item = Item("a", "a.jpg", "x", data=jpeg_bytes(big, 80))
    loaded = load_item(item, 256)
    assert (loaded.width, loaded.height) == (1600, 1200)  # the full size, from the header
    assert min(loaded.image.size) >= 256 and min(loaded.image.size) < 512
    assert loaded.scale in (2, 4)
    assert jpeg_quality(Image.open(io.BytesIO(jpeg_bytes(big, 30)))) == pytest.approx(30, abs=1)
    assert loaded.info["jpeg_quality"] == pytest.approx(80, abs=1)
    bad = load_item(Item("b", "b.jpg", "x", data=jpeg_bytes(big)[:5000]), 256)
    assert bad.image is None and bad.error == "truncated"


def test_perceptual_hashes_match_copies_not_other_images():
    a = scene(seed=1)
    brighter = ImageEnhance.Brightness(a).enhance(1.08)
    field = np.random.default_rng(5).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    other = Image.fromarray(field).resize((320, 240), Image.BICUBIC)
    for fn in (phash, dhash):
        assert hamming(fn(a), fn(brighter)) <= 4
        assert hamming(fn(a), fn(other)) > 12


def test_caption_checks():
    cfg = CurateConfig().caption
    assert caption_verdict(caption_values(""), cfg) == "caption_empty"
    assert caption_verdict(caption_values("a cat"), cfg) == "caption_too_short"
    assert (
        caption_verdict(caption_values("IMG_2041.JPG 3000x2000 12345"), cfg) == "caption_not_text"
    )
    assert caption_verdict(caption_values("sale sale sale sale sale"), cfg) == "caption_repetitive"
    assert caption_verdict(caption_values("a red kite over the hill"), cfg) is None


def test_desirability_is_monotone_and_bounded():
    term = Term("x", bad=0.0, good=1.0, floor=0.1)
    xs = np.linspace(-2, 3, 60)
    ds = [desirability(x, term) for x in xs]
    assert all(b > a for a, b in zip(ds, ds[1:], strict=False))
    assert 0.1 <= ds[0] < 0.12 and 0.99 < ds[-1] <= 1.0
    falling = Term("x", bad=1.0, good=0.0)
    assert desirability(0.0, falling) > desirability(1.0, falling)


def test_photogenic_score_drops_with_each_fault():
    cfg = PhotogenicConfig()
    good = scene(640, 480)

    def score(img, **extra):
        values = measure_image(img, 1, cfg.composition_side) | {"jpeg_quality": 95.0, **extra}
        return score_values(values, cfg)["photogenic_score"]

    base = score(good)
    arr = np.asarray(good).astype(np.float32)
    dim = Image.fromarray((arr * 0.35).astype(np.uint8))
    blown = Image.fromarray(np.clip(arr * 2.2, 0, 255).astype(np.uint8))
    grey = good.convert("L").convert("RGB")
    blurred = good.filter(ImageFilter.GaussianBlur(4))
    noisy = Image.fromarray(
        np.clip(arr + np.random.default_rng(0).normal(0, 25, arr.shape), 0, 255).astype(np.uint8)
    )
    for name, img in {
        "dim": dim,
        "blown": blown,
        "grey": grey,
        "blur": blurred,
        "noise": noisy,
    }.items():
        assert score(img) < base, name
    assert score(good, text_area=0.2) < base
    parts = score_values(measure_image(good, 1), cfg)
    assert set(parts) == {"photogenic_score"} | {f"photogenic_{p}" for p in cfg.principles}


def captioned(img, box=(0.05, 0.1, 0.95, 0.3)):
    """``img`` with a bright yellow, black-outlined caption bar across ``box`` (x0, y0, x1, y1 in
    fractions of the frame), and the bar's region as an OCR-style quadrilateral."""
    from PIL import ImageDraw

    out = img.copy()
    w, h = out.size
    x0, y0, x1, y1 = box
    draw = ImageDraw.Draw(out)
    step = max(4, round((x1 - x0) * w / 24))
    for k in range(round(x0 * w) + 2, round(x1 * w) - step, step):  # letter-like strokes
        draw.rectangle((k, y0 * h + 3, k + step // 2, y1 * h - 3), fill=(255, 255, 0),
                       outline=(0, 0, 0), width=2)  # fmt: skip
    region = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    return out, region


def test_photo_mask_covers_text_polygons():
    from photogenic.curate.features import MIN_PHOTO_SHARE, photo_mask

    assert photo_mask([], 64, 48) is None
    half = np.array([[0, 0], [0.5, 0], [0.5, 1], [0, 1]], dtype=np.float64)
    keep = photo_mask([half], 64, 48)
    assert keep.shape == (48, 64) and not keep[:, :31].any() and keep[:, 34:].all()
    assert 0.45 < keep.mean() < 0.52
    most = np.array([[0, 0], [1.0 - MIN_PHOTO_SHARE / 2, 0], [1.0 - MIN_PHOTO_SHARE / 2, 1],
                     [0, 1]], dtype=np.float64)  # fmt: skip
    assert photo_mask([most], 64, 48) is None  # too little photo left: measure everything


def test_overlaid_text_is_measured_around_and_scored_once():
    cfg = PhotogenicConfig()
    clean = scene(640, 480)
    text, region = captioned(clean)
    plain = measure_image(clean, 1, cfg.composition_side)
    blind = measure_image(text, 1, cfg.composition_side)
    around = measure_image(text, 1, cfg.composition_side, [region])
    # with its region left out, the captioned photo measures like the clean one around that region
    clean_around = measure_image(clean, 1, cfg.composition_side, [region])
    for key in ("colorfulness", "rms_contrast", "edge_sharpness", "clipped_fraction", "clutter"):
        assert around[key] == pytest.approx(clean_around[key], rel=0.02, abs=1e-3), key
        assert abs(blind[key] - clean_around[key]) > 0.1 * abs(clean_around[key]) + 1e-3, key
    assert around["subject_area"] == pytest.approx(plain["subject_area"], rel=0.2)

    def score(values, area):
        return score_values(values | {"jpeg_quality": 95.0, "text_area": area}, cfg)

    ref = score(plain, 0.0)
    with_text = score(around, 0.2)
    assert with_text["photogenic_score"] < ref["photogenic_score"]
    assert with_text["photogenic_color"] <= ref["photogenic_color"] * 1.05  # no colour from text
    # the text term keeps ranking over the range real captions cover (not floored at a few %)
    little, much = score(plain, 0.04), score(plain, 0.15)
    assert ref["photogenic_technical"] > little["photogenic_technical"]
    assert little["photogenic_technical"] > 1.5 * much["photogenic_technical"]


def test_ocr_keeps_lines_that_read_as_text(monkeypatch):
    from photogenic.curate.stages import ocr
    from photogenic.curate.stages.base import Context

    assert ocr.reads_as_text("SALE 50%", 0.9, 0.5)
    assert not ocr.reads_as_text("SALE", 0.3, 0.5)  # unsure
    assert not ocr.reads_as_text("-.-", 0.9, 0.5)  # no letter or digit
    seen = {}

    class Fake:
        def __init__(self, side, box_threshold, min_confidence):
            seen["min_confidence"] = min_confidence

        def __call__(self, rgb):
            h, w = rgb.shape[:2]
            return [np.array([[0, 0], [w / 2, 0], [w / 2, h / 4], [0, h / 4]], dtype=np.float64)]

    monkeypatch.setitem(ocr.OCR_ENGINES, "fake", Fake)
    config = CurateConfig()
    config.ocr.engine, config.ocr.min_confidence = "fake", 0.7
    ctx = Context(0, Item("a", "a.jpg", "x"))
    ctx.loaded = load_item(Item("a", "a.jpg", "x", data=jpeg_bytes(scene(320, 240))), 256)
    ocr.OcrStage(config).run([ctx])
    assert seen["min_confidence"] == 0.7
    assert ctx.values["text_boxes"] == 1.0
    assert ctx.values["text_area"] == pytest.approx(0.125, abs=0.01)
    (region,) = ctx.text_regions
    assert region.min() >= 0 and region[:, 0].max() == pytest.approx(0.5, abs=0.01)


def test_rapidocr_recogniser_confirms_drawn_text():
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import ImageDraw, ImageFont

    from photogenic.curate.stages.ocr import RapidOcrDetector

    img = Image.new("RGB", (480, 160), (235, 235, 235))
    font = ImageFont.load_default(size=48)
    ImageDraw.Draw(img).text((20, 50), "OPEN 24 HOURS", fill=(10, 10, 10), font=font)
    rgb = np.asarray(img)
    assert len(RapidOcrDetector(480, 0.5, 0.5)(rgb)) >= 1
    assert RapidOcrDetector(480, 0.5, 0.5)(np.full_like(rgb, 128)) == []


def test_fill_in_restores_smooth_backgrounds():
    from photogenic.curate.features import fill_in

    yy, xx = np.mgrid[0:12, 0:16]
    img = np.stack([xx * 15, yy * 20, 255 - xx * 10], axis=-1).astype(np.uint8)  # planar ramps
    keep = np.ones((12, 16), bool)
    keep[2:5, 3:11] = False  # a hole inside rows
    keep[8] = False  # and a whole row
    spoilt = img.copy()
    spoilt[~keep] = (255, 255, 0)
    assert np.abs(fill_in(spoilt, keep).astype(int) - img).max() <= 1
    assert np.array_equal(fill_in(img, np.ones_like(keep)), img)


def test_the_warm_up_photo_goes_through_every_weight_free_stage():
    from photogenic.curate.config import CurateConfig
    from photogenic.curate.worker import config_payload, run_shard, warm_up_item

    config = CurateConfig()
    config.ocr.enabled = config.offensive.enabled = False
    (record,) = run_shard(config_payload(config), [(0, warm_up_item())])["records"]
    assert record["stage"] is None  # kept: the first shard's real items see no cold stage
    assert record["values"]["width"] == 768 and record["values"]["photogenic_score"] > 0
