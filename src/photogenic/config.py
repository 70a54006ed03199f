"""Typed dataclass configs loaded from YAML, with dotted ``--set key=value`` overrides.

Unknown keys and values of the wrong type are errors that name the key and what was expected.
"""

from __future__ import annotations

import dataclasses
import re
import types
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

import yaml

from photogenic.errors import ConfigError

C = TypeVar("C")
_EXPONENT_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+")


def load_config(
    cls: type[C], path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()
) -> C:
    """Build ``cls`` from its defaults, then the YAML file at ``path``, then ``key=value`` overrides."""
    data: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"config file not found: {path}")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from None
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: expected a mapping of config keys at the top level")
        data = loaded
    for item in overrides:
        key, value = parse_override(item)
        set_dotted(data, key, value)
    source = str(path) if path else "config"
    return from_dict(cls, data, source)


def parse_override(item: str) -> tuple[str, Any]:
    """Split ``a.b=value``; the value is parsed as YAML (``3`` -> int, ``[1,2]`` -> list)."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected key=value")
    key, raw = item.split("=", 1)
    key = key.strip()
    if not key:
        raise ConfigError(f"--set {item!r}: empty key")
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return key, value


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    """Set ``data['a']['b'] = value`` for ``key='a.b'``, creating mappings on the way."""
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def from_dict(
    cls: type[C], data: dict[str, Any], where: str = "config", base: C | None = None
) -> C:
    """Instantiate dataclass ``cls`` from a mapping, checking keys and types recursively.

    Keys not in ``data`` keep their value in ``base`` (default: ``cls()``), so a partial mapping
    for a nested config changes only the keys it names and keeps its parent's defaults.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}; expected one of: {', '.join(sorted(fields))}"
        )
    instance = base if base is not None else cls()
    hints = get_type_hints(cls)
    updates = {}
    for name, value in data.items():
        key = f"{where}.{name}" if where != "config" else name
        current = getattr(instance, name)
        if dataclasses.is_dataclass(current) and isinstance(value, dict):
            updates[name] = from_dict(type(current), value, key, base=current)
        else:
            updates[name] = _coerce(hints[name], value, key)
    return dataclasses.replace(instance, **updates)


def to_dict(config: Any) -> dict[str, Any]:
    """A plain mapping of a dataclass config (for ``config.yaml`` in run directories)."""
    return dataclasses.asdict(config)


def _coerce(tp: Any, value: Any, key: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        options = get_args(tp)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(option, value, key)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{key}: invalid value {value!r}")
    if origin is Literal:
        choices = get_args(tp)
        if value not in choices:
            raise ConfigError(f"{key}: expected one of {list(choices)}, got {value!r}")
        return value
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value if value is not None else {}, key)
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{key}: expected a list, got {value!r}")
        args = get_args(tp)
        item_type = args[0] if args else Any
        items = [_coerce(item_type, v, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: expected a mapping, got {value!r}")
        _, val_type = get_args(tp) or (Any, Any)
        return {k: _coerce(val_type, v, f"{key}.{k}") for k, v in value.items()}
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and _EXPONENT_NUMBER.fullmatch(value.strip()):
            return float(value)  # YAML 1.1 reads 1e-4 (no dot) as a string
        raise ConfigError(f"{key}: expected a number, got {value!r}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    if tp is Path:
        if isinstance(value, (str, Path)):
            return Path(value)
        raise ConfigError(f"{key}: expected a path, got {value!r}")
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise ConfigError(f"{key}: unsupported value {value!r} for type {tp}")
