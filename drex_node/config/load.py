"""Reading and writing node configuration files (TOML, via tomllib)."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from drex_node.config.model import (
    AdmissionConfig,
    ConfigError,
    ConsensusSection,
    MetricsConfig,
    NetworkConfig,
    NodeConfig,
    NodeSection,
)

_SECTIONS: dict[str, type[Any]] = {
    "node": NodeSection,
    "network": NetworkConfig,
    "consensus": ConsensusSection,
    "admission": AdmissionConfig,
    "metrics": MetricsConfig,
}
# Fields that left the node configuration, with where they went.
_MOVED = {
    ("consensus", "gc_depth"): (
        "moved to the genesis file (consensus.gc_depth, default 12): it decides which "
        "certificates a commit orders, so every validator of a network must use the same "
        "value (ADR 0081); delete this line"
    ),
}


def _coerce(section: str, name: str, default: Any, value: Any) -> Any:
    where = f"{section}.{name}"
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false")
        return value
    if isinstance(default, int):
        if type(value) is not int:
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if isinstance(default, float):
        if type(value) not in (int, float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{where}: expected a list of strings")
        return tuple(value)
    raise ConfigError(f"{where}: unsupported field")


def parse_config(doc: dict[str, Any], base_dir: Path = Path(".")) -> NodeConfig:
    """Build and validate a NodeConfig from a decoded TOML document."""
    parts: dict[str, Any] = {}
    for key, raw in doc.items():
        cls = _SECTIONS.get(key)
        if cls is None:
            raise ConfigError(f"{key}: unknown section (known: {', '.join(_SECTIONS)})")
        if not isinstance(raw, dict):
            raise ConfigError(f"{key}: must be a table")
        defaults = cls()
        values = {}
        for name, value in raw.items():
            if (key, name) in _MOVED:
                raise ConfigError(f"{key}.{name}: {_MOVED[key, name]}")
            if name not in cls.__dataclass_fields__:
                raise ConfigError(f"{key}.{name}: unknown field")
            values[name] = _coerce(key, name, getattr(defaults, name), value)
        parts[key] = cls(**values)
    config = NodeConfig(**parts, base_dir=base_dir)
    config.validate()
    return config


def load_config(path: str | Path) -> NodeConfig:
    """Read, parse and validate a node config file; errors name the file and field."""
    p = Path(path)
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: not UTF-8 text (a TOML file must be UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}") from None
    try:
        return parse_config(doc, p.parent.resolve())
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, tuple | list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


def dump_config(config: NodeConfig) -> str:
    """TOML text of ``config`` (every field, so operators see the defaults)."""
    lines: list[str] = []
    for key in _SECTIONS:
        section = getattr(config, key)
        lines.append(f"[{key}]")
        for f in dataclasses.fields(section):
            lines.append(f"{f.name} = {_toml_value(getattr(section, f.name))}")
        lines.append("")
    return "\n".join(lines)
