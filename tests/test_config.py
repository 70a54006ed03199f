"""Typed configs: YAML, dotted overrides, unknown keys and wrong types are errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from photogenic.config import load_config
from photogenic.errors import ConfigError


@dataclass
class Inner:
    rate: float = 0.1
    names: list[str] = field(default_factory=lambda: ["a"])


@dataclass
class Outer:
    steps: int = 10
    mode: Literal["fast", "slow"] = "fast"
    path: Path | None = None
    inner: Inner = field(default_factory=Inner)


def test_defaults_yaml_and_overrides_apply_in_order(tmp_path: Path) -> None:
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("steps: 20\ninner:\n  rate: 0.5\n")
    cfg = load_config(Outer, cfg_file, ["inner.rate=0.25", "mode=slow", "inner.names=[x, y]"])
    assert cfg.steps == 20
    assert cfg.inner.rate == 0.25
    assert cfg.mode == "slow"
    assert cfg.inner.names == ["x", "y"]
    assert cfg.path is None


def test_int_is_accepted_for_float_and_path_is_typed() -> None:
    cfg = load_config(Outer, None, ["inner.rate=1", "path=/tmp/x"])
    assert cfg.inner.rate == 1.0 and isinstance(cfg.inner.rate, float)
    assert cfg.path == Path("/tmp/x")


def test_exponent_numbers_without_a_dot_are_floats(tmp_path: Path) -> None:
    """YAML 1.1 reads ``1e-4`` as a string; a float field takes it as the number it means."""
    assert load_config(Outer, None, ["inner.rate=1e-4"]).inner.rate == 1e-4
    cfg_file = tmp_path / "c.yaml"
    cfg_file.write_text("inner:\n  rate: 2E+3\n")
    assert load_config(Outer, cfg_file).inner.rate == 2000.0
    with pytest.raises(ConfigError, match="inner.rate: expected a number"):
        load_config(Outer, None, ["inner.rate=1e-4x"])


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("stepz=3", "unknown key 'stepz'"),
        ("inner.ratee=3", "inner: unknown key 'ratee'"),
        ("steps=abc", "steps: expected an integer"),
        ("mode=medium", "mode: expected one of ['fast', 'slow']"),
        ("inner.names=3", "inner.names: expected a list"),
        ("novalue", "expected key=value"),
    ],
)
def test_bad_overrides_name_the_key(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(Outer, None, [override])


def test_bad_yaml_files_are_reported_with_their_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(Outer, missing)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_config(Outer, listy)
    broken = tmp_path / "broken.yaml"
    broken.write_text("steps: [1,\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(Outer, broken)


def _custom_inner() -> Inner:
    return Inner(rate=0.9, names=["kept"])


@dataclass
class Parent:
    inner: Inner = field(default_factory=_custom_inner)
    steps: int = 1


def test_partial_nested_override_keeps_the_parents_defaults() -> None:
    cfg = load_config(Parent, None, ["inner.rate=0.5"])
    assert cfg.inner.rate == 0.5
    assert cfg.inner.names == ["kept"], "a nested override must not reset its siblings"
    assert load_config(Parent).inner == _custom_inner()
