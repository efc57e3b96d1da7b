"""Node config: defaults, validation errors that name the file and the field, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from drex_node.config import ConfigError, NodeConfig, dump_config, load_config, parse_config


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "node.toml"
    p.write_text(text)
    return p


def test_defaults_are_valid_for_a_validator() -> None:
    cfg = parse_config({"node": {"role": "tier1"}})
    assert cfg.consensus.tick_ms > 0 and cfg.admission.max_pending > 0
    assert cfg.node.votes


def test_round_trip_through_toml(tmp_path: Path) -> None:
    cfg = NodeConfig.test(tmp_path)
    again = load_config(write(tmp_path, dump_config(cfg)))
    assert again.node == cfg.node and again.consensus == cfg.consensus
    assert again.admission == cfg.admission and again.base_dir == tmp_path.resolve()


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[node]\nrole = "king"\n', "node.role"),
        ('[network]\nlisten = "nowhere"\n', "network.listen"),
        ("[consensus]\ntick_ms = 0\n", "consensus.tick_ms"),
        ("[consensus]\nparent_wait_ms = -1\n", "consensus.parent_wait_ms"),
        ('[consensus]\ntick_ms = "fast"\n', "consensus.tick_ms"),
        ("[admission]\nmax_pending = -1\n", "admission.max_pending"),
        ("[admission]\nbogus = 1\n", "admission.bogus"),
        ("[extras]\nx = 1\n", "extras"),
        ('[node]\nrole = "edge"\n', "network.upstream"),
        ('[metrics]\nlisten = "x"\n', "metrics.listen"),
    ],
)
def test_errors_name_file_and_field(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"{path}: {field}")


def test_gc_depth_left_the_node_config_for_genesis(tmp_path: Path) -> None:
    # ADR 0081: it decides what a commit orders, so a per-node value could fork a network.
    path = write(tmp_path, "[consensus]\ngc_depth = 12\n")
    with pytest.raises(ConfigError, match=r"consensus.gc_depth: moved to the genesis file"):
        load_config(path)


def test_unreadable_and_invalid_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(write(tmp_path, "[node\n"))


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, '[node]\ndata_dir = "d"\n'))
    assert cfg.path(cfg.node.data_dir) == tmp_path.resolve() / "d"
    assert cfg.path("/abs") == Path("/abs")


def test_example_configs_validate() -> None:
    root = Path(__file__).resolve().parents[3] / "configs"
    files = sorted(root.glob("node.*.toml"))
    assert {f.name for f in files} >= {f"node.{r}.toml" for r in ("central-bank", "tier1", "edge")}
    for f in files:
        cfg = load_config(f)
        assert f.name == f"node.{cfg.node.role}.toml"


def test_parent_wait_may_be_off(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "[consensus]\nparent_wait_ms = 0\n"))
    assert cfg.consensus.parent_wait_ms == 0


def test_partitions_scope_only_tier2_and_tier3(tmp_path: Path) -> None:
    for role, scoped in (("tier2", True), ("tier3", True), ("edge", False), ("audit", False)):
        up = '[network]\nupstream = ["127.0.0.1:7100"]\n'
        text = f'[node]\nrole = "{role}"\npartitions = ["N"]\n{up}'
        assert load_config(write(tmp_path, text)).node.scoped is scoped, role
        assert not load_config(write(tmp_path, f'[node]\nrole = "{role}"\n{up}')).node.scoped


def test_forward_spread_is_bounded_by_the_upstream_list(tmp_path: Path) -> None:
    up = '[network]\nupstream = ["127.0.0.1:7100", "127.0.0.1:7101"]\n'
    role = '[node]\nrole = "edge"\n'
    assert load_config(write(tmp_path, role + up)).network.forward_spread == 1
    assert (
        load_config(write(tmp_path, role + up + "forward_spread = 2\n")).network.forward_spread == 2
    )
    for bad, why in (("0", ">= 1"), ("3", "more than the 2 upstream")):
        with pytest.raises(ConfigError, match=f"forward_spread: .*{why}"):
            load_config(write(tmp_path, role + up + f"forward_spread = {bad}\n"))
