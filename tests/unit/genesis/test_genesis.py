"""Genesis validation: every error names the file and the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import msgpack
import pytest

from drex_node.genesis import GenesisError, init_store, load_genesis, parse_genesis
from drex_node.genesis.dev import dev_genesis
from drex_node.ledger.execute import head
from drex_node.policy.host import load_registry
from drex_node.storage import MemoryStore

DOC, _ = dev_genesis()


def broken(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(DOC)
    node: Any = doc
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node[p]
    last = parts[-1]
    if value is KeyError:
        del node[last]
    elif last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("chain_id", KeyError, "chain_id"),
        ("chain_id", "", "chain_id"),
        ("partitions", [], "partitions"),
        ("partitions", ["N", "N"], "partitions"),
        ("authority.public_key", "zz", "authority.public_key"),
        ("assets.2.decimals", 40, "assets[2].decimals"),
        ("assets.0.issuer", "nobody", "assets[0].issuer"),
        ("accounts.3.partition", "MARS", "accounts[3].partition"),
        ("accounts.1.kyc_tier", "high", "accounts[1].kyc_tier"),
        ("accounts.0.balances", {"GOLD": 1}, "accounts[0].balances.GOLD"),
        ("institutions.1.role", "king", "institutions[1].role"),
        ("epoch_blocks", 0, "epoch_blocks"),
    ],
)
def test_errors_name_the_field(path: str, value: Any, field: str) -> None:
    with pytest.raises(GenesisError) as exc:
        parse_genesis(broken(path, value), "net/genesis.json")
    assert str(exc.value).startswith(f"net/genesis.json: {field}"), str(exc.value)


def test_balances_and_their_sum_per_asset_must_encode() -> None:
    """Every balance and each asset's total supply stay within 2^64 - 1 (msgpack's
    largest unsigned integer), or the supply record could not be written."""
    with pytest.raises(
        GenesisError, match=r"^g: accounts\[0\]\.balances\.DREX: must be an integer"
    ):
        parse_genesis(broken("accounts.0.balances", {"DREX": 1 << 64}), "g")
    doc = broken("accounts.0.balances", {"DREX": (1 << 64) - 1})
    with pytest.raises(GenesisError, match=r"^g: accounts\[1\]\.balances\.DREX: total supply"):
        parse_genesis(doc, "g")
    doc["accounts"][1]["balances"] = {}
    for acc in doc["accounts"][2:]:
        acc["balances"] = {}
    parse_genesis(doc, "g")  # exactly the cap is fine


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    p = tmp_path / "g.json"
    with pytest.raises(GenesisError, match="cannot read"):
        load_genesis(p)
    p.write_text("{ not json")
    with pytest.raises(GenesisError, match=r"g\.json: line 1: invalid JSON"):
        load_genesis(p)
    p.write_bytes(b'{"chain_id": "\xff"}')
    with pytest.raises(GenesisError, match=r"g\.json: not UTF-8 text"):
        load_genesis(p)
    p.write_text(json.dumps(DOC))
    assert load_genesis(p).chain_id == "drex-dev"


def test_policy_modules_must_be_installed_and_params_valid() -> None:
    reg = load_registry()
    doc = copy.deepcopy(DOC)
    doc["policy"] = {"regulatory_rules": [{"name": "nope", "params": {}}]}
    with pytest.raises(GenesisError, match=r"policy\.regulatory_rules\[0\]\.name"):
        init_store(MemoryStore(), parse_genesis(doc), reg)
    doc["policy"] = {"regulatory_rules": [{"name": "velocity", "params": {"x": 1}}]}
    with pytest.raises(GenesisError, match=r"policy\.regulatory_rules\[0\]\.params"):
        init_store(MemoryStore(), parse_genesis(doc), reg)


def test_init_is_deterministic_and_idempotent() -> None:
    reg = load_registry()
    g = parse_genesis(DOC)
    a, b = MemoryStore(), MemoryStore()
    ra, rb = init_store(a, g, reg), init_store(b, g, reg)
    assert ra == rb and head(a) == (0, ra)
    assert init_store(a, g, reg) == ra
    other = parse_genesis(dict(DOC, chain_id="other"))
    with pytest.raises(GenesisError, match="another chain"):
        init_store(a, other, reg)


def test_commit_rule_is_a_network_parameter() -> None:
    """``consensus.commit_rule`` (ADR 0078): Bullshark when absent; anything else named."""
    assert parse_genesis(DOC).commit_rule == "bullshark"
    doc = copy.deepcopy(DOC)
    doc["consensus"] = {"commit_rule": "shoal"}
    assert parse_genesis(doc).commit_rule == "shoal"
    for cons, field in (
        ({"commit_rule": "tusk"}, "consensus.commit_rule"),
        ({"commit_rul": "shoal"}, "consensus.commit_rul"),
        ("shoal", "consensus"),
    ):
        doc["consensus"] = cons
        with pytest.raises(GenesisError) as exc:
            parse_genesis(doc, "g")
        assert str(exc.value).startswith(f"g: {field}:"), str(exc.value)


def test_commit_rule_is_part_of_the_genesis_root() -> None:
    """A Shoal network's genesis root differs from the same genesis under Bullshark, so a
    node running with another rule (or an older binary that ignores the field) shows a
    different state root instead of silently ordering other blocks; a Bullshark genesis
    keeps the root it had before the field existed (the chain record is unchanged)."""
    from drex_node.ledger.state import K_CHAIN, META, ChainInfo

    reg = load_registry()
    doc = copy.deepcopy(DOC)
    doc["consensus"] = {"commit_rule": "shoal"}
    a, b = MemoryStore(), MemoryStore()
    assert init_store(a, parse_genesis(doc), reg) != init_store(b, parse_genesis(DOC), reg)
    shoal = ChainInfo.decode(a.get(META, K_CHAIN) or b"")
    plain = ChainInfo.decode(b.get(META, K_CHAIN) or b"")
    assert (shoal.commit_rule, plain.commit_rule) == ("shoal", "bullshark")
    assert len(msgpack.unpackb(b.get(META, K_CHAIN) or b"")) == 5  # the old five fields
    # A store keeps its rule: reopening it under the other one is refused, naming the field.
    with pytest.raises(GenesisError, match=r"^g: consensus.commit_rule: the store holds"):
        init_store(a, parse_genesis(DOC), reg, source="g")
    with pytest.raises(GenesisError, match="under 'bullshark', the genesis asks for 'shoal'"):
        init_store(b, parse_genesis(doc), reg, source="g")
    init_store(a, parse_genesis(doc), reg)  # same rule: a no-op


def test_gc_depth_is_a_network_parameter_in_the_genesis_root() -> None:
    """``consensus.gc_depth`` (ADR 0081): 12 when absent, bounded, part of the chain record
    when not the default (so the genesis root shows it), and fixed for a store."""
    from drex_node.ledger.state import K_CHAIN, META, ChainInfo

    assert parse_genesis(DOC).gc_depth == 12
    doc = copy.deepcopy(DOC)
    for bad in (3, 1001, "12", 12.0, True):
        doc["consensus"] = {"gc_depth": bad}
        with pytest.raises(GenesisError, match=r"^g: consensus.gc_depth: must be an integer"):
            parse_genesis(doc, "g")
    doc["consensus"] = {"gc_depth": 20}
    deep = parse_genesis(doc)
    assert (deep.gc_depth, deep.commit_rule) == (20, "bullshark")
    reg = load_registry()
    a, b = MemoryStore(), MemoryStore()
    assert init_store(a, deep, reg) != init_store(b, parse_genesis(DOC), reg)
    assert ChainInfo.decode(a.get(META, K_CHAIN) or b"").gc_depth == 20
    assert ChainInfo.decode(b.get(META, K_CHAIN) or b"").gc_depth == 12
    assert len(msgpack.unpackb(b.get(META, K_CHAIN) or b"")) == 5  # default: unchanged record
    with pytest.raises(GenesisError, match=r"^g: consensus.gc_depth: the store holds blocks"):
        init_store(a, parse_genesis(DOC), reg, source="g")
    with pytest.raises(GenesisError, match="committed with 12, the genesis asks for 20"):
        init_store(b, deep, reg, source="g")
    doc["consensus"] = {"gc_depth": 20, "commit_rule": "shoal"}
    both = ChainInfo.decode(ChainInfo("c", b"a", ("N",), None, 5, "shoal", 20).encode())
    assert (both.commit_rule, both.gc_depth) == ("shoal", 20)
    assert parse_genesis(doc).gc_depth == 20


def test_testnet_up_refuses_another_rule_for_an_existing_network(tmp_path: Path) -> None:
    from drex_node.cli.testnet import main
    from drex_node.testnet.layout import create_network

    create_network(tmp_path, users_per_partition=1, commit_rule="shoal")
    assert main(["up", "--dir", str(tmp_path), "--commit-rule", "bullshark"]) == 2


def test_testnet_entry_points_have_different_home_validators(tmp_path: Path) -> None:
    """Each non-voting node's upstream lists every validator, rotated, so entry points
    forward to different home validators (ADR 0088)."""
    from drex_node.config import load_config
    from drex_node.testnet.layout import create_network

    net = create_network(tmp_path, users_per_partition=1)
    validators = [e.address for e in net.nodes if e.votes]
    firsts = []
    for e in net.nodes:
        if e.votes:
            continue
        up = list(load_config(Path(e.dir) / "config.toml").network.upstream)
        k = validators.index(up[0])
        assert up == validators[k:] + validators[:k]
        firsts.append(up[0])
    entries = {e.address for e in net.entry_points()}
    assert len(firsts) == len(set(firsts))
    assert len(entries) >= 2
