"""The shipped world judges: appeal prefers a needle to its degraded copy, content prefers the
image that shows what the prompt names."""

from __future__ import annotations

from PIL import Image

from photogenic.evaluate.judges import JUDGES, JudgeOptions
from photogenic.evaluate.judges.world import parse_world_prompt
from photogenic.world import WorldConfig, render_item


def _image(item) -> Image.Image:
    return Image.fromarray(item.pixels())


def test_world_prompts_parse_to_content() -> None:
    assert parse_world_prompt("a small red crescent moon on the left above a green hill") == {
        "subject": "crescent moon",
        "color": "red",
        "background": "hill",
    }
    assert parse_world_prompt("a photo of a cat") is None
    # the background's own colour word is not the subject's
    assert parse_world_prompt("a blue tree at the bottom above a green hill")["color"] == "blue"
    assert parse_world_prompt("a white circle against a blue sky")["color"] == "white"


def test_every_world_caption_parses_to_its_content() -> None:
    from photogenic.world.content import BACKGROUNDS, COLORS, SUBJECTS

    for subject in SUBJECTS:
        for color in COLORS:
            for background, phrase in BACKGROUNDS.items():
                parsed = parse_world_prompt(f"a small {color} {subject} on the left {phrase}")
                assert parsed == {"subject": subject, "color": color, "background": background}


def test_shipped_judges_rank_world_images_as_expected() -> None:
    config = WorldConfig()
    appeal = JUDGES.get("world-appeal")(JudgeOptions())
    content = JUDGES.get("world-content")(JudgeOptions())
    right_appeal = right_content = 0
    for index in range(20):
        good = render_item(3, index, config, force={f: "good" for f in ("blur", "exposure")})
        bad = render_item(3, index, config, force={"blur": "blurred", "exposure": "dim"})
        a, b = appeal.score([_image(good), _image(bad)], ["", ""])
        right_appeal += a > b
        other = render_item(4, index, config)
        if parse_world_prompt(other.text) == parse_world_prompt(good.text):
            continue
        x, y = content.score([_image(good), _image(other)], [good.text, good.text])
        right_content += x > y
    assert right_appeal >= 17  # a sharp, well-exposed image beats its blurred, dim copy
    assert right_content >= 17  # the image of the prompt beats another world image


def test_shipped_content_judge_names_each_part_of_a_clear_image() -> None:
    from photogenic.demo.judges import clean_world_config

    items = [render_item(5, index, clean_world_config()) for index in range(30)]
    content = JUDGES.get("world-content")(JudgeOptions())
    shown = content.shown([_image(i) for i in items], [i.text for i in items])
    assert min(shown["subject"], shown["color"], shown["background"]) >= 0.85, shown
