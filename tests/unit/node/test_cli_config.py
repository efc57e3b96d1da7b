"""Config values that loaded without error although no node can run with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from drex_node.config import ConfigError, load_config


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[admission]\npending_timeout_s = nan\n", "admission.pending_timeout_s"),
        ("[admission]\npending_timeout_s = inf\n", "admission.pending_timeout_s"),
        ("[admission]\npending_timeout_s = -inf\n", "admission.pending_timeout_s"),
        ("[admission]\npending_timeout_s = 0\n", "admission.pending_timeout_s"),
        ("[admission]\nexpiry_blocks = -5\n", "admission.expiry_blocks"),
        ("[admission]\nexpiry_blocks = 0\n", "admission.expiry_blocks"),
        ("[network]\nmax_receive_bytes = 4294967296\n", "network.max_receive_bytes"),
    ],
)
def test_out_of_range_values_name_the_field(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "node.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {field}: must")


def test_a_config_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_bytes(b'[node]\nname = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"node.toml: not UTF-8 text"):
        load_config(path)


def test_finite_values_in_range_still_load(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text("[admission]\npending_timeout_s = 0.5\nexpiry_blocks = 1\n")
    cfg = load_config(path)
    assert (cfg.admission.pending_timeout_s, cfg.admission.expiry_blocks) == (0.5, 1)
