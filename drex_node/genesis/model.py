"""Genesis file format (JSON) and its validation. Every error names the file and the
field, e.g. ``genesis.json: assets[1].decimals: must be an integer in 0..18``.

See docs/operator/genesis.md for the format and configs/genesis.example.json."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from consensus.commit_rule import RULES
from drex_node.ledger.codes import MAX_AMOUNT, AccountFlag
from drex_node.ledger.state import DEFAULT_GC_DEPTH
from drex_node.ledger.tx import MAX_STR

GC_DEPTH = DEFAULT_GC_DEPTH  # consensus.gc_depth when genesis does not set it (ADR 0081)
GC_DEPTH_MAX = 1000

ROLE_FLAGS: dict[str, int] = {
    "central-bank": AccountFlag.INSTITUTION | AccountFlag.RESERVE_HOLDER,
    "tier1": AccountFlag.BANK_TIER1 | AccountFlag.INSTITUTION | AccountFlag.RESERVE_HOLDER,
    "tier2": AccountFlag.BANK_TIER2 | AccountFlag.INSTITUTION,
    "regulator": AccountFlag.REGULATOR | AccountFlag.INSTITUTION,
    "treasury": AccountFlag.TREASURY | AccountFlag.INSTITUTION | AccountFlag.RESERVE_HOLDER,
    "institution": int(AccountFlag.INSTITUTION),
}
AUTHORITY_FLAGS = AccountFlag.AUTHORITY | AccountFlag.INSTITUTION | AccountFlag.RESERVE_HOLDER


class GenesisError(ValueError):
    """An invalid genesis file; the message names the file and the field."""


@dataclass(frozen=True)
class GenesisAccount:
    public_key: bytes
    partition: str
    kyc_tier: int
    flags: int
    balances: dict[str, int]
    institution_id: str | None = None
    path: str = ""  # where it came from in the file, for error messages
    enabled: tuple[str, ...] = ()  # restricted assets this account may hold


@dataclass(frozen=True)
class GenesisAsset:
    id: str
    issuer: str  # institution id, or "authority"
    decimals: int
    asset_class: str
    price_decimals: int = 0


@dataclass(frozen=True)
class PolicyEntry:
    kind: str  # "regulatory" | "monetary"
    name: str
    params: dict[str, int]


@dataclass(frozen=True)
class Genesis:
    chain_id: str
    genesis_time_ms: int
    epoch_blocks: int
    authority: bytes
    authority_partition: str
    auditor: bytes | None
    partitions: tuple[str, ...]
    accounts: tuple[GenesisAccount, ...]
    assets: tuple[GenesisAsset, ...]
    policies: tuple[PolicyEntry, ...]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. "committee", read by the node
    # The consensus commit rule every validator of the network runs (ADR 0078).
    commit_rule: str = "bullshark"
    # Rounds below the last commit that ordering still reaches: it decides which
    # certificates a commit orders, so every validator must use the same (ADR 0081).
    gc_depth: int = GC_DEPTH


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def err(self, path: str, msg: str) -> GenesisError:
        return GenesisError(f"{self.source}: {path}: {msg}")

    def obj(self, v: Any, path: str) -> dict[str, Any]:
        if not isinstance(v, dict):
            raise self.err(path, "must be an object")
        return v

    def req(self, d: dict[str, Any], key: str, path: str) -> Any:
        if key not in d:
            raise self.err(f"{path}{key}", "is required")
        return d[key]

    def name(self, v: Any, path: str) -> str:
        if not isinstance(v, str) or not 0 < len(v) <= MAX_STR or not v.isprintable():
            raise self.err(path, f"must be a printable string of 1..{MAX_STR} characters")
        return v

    def int_(self, v: Any, path: str, lo: int, hi: int) -> int:
        if type(v) is not int or not lo <= v <= hi:
            raise self.err(path, f"must be an integer in {lo}..{hi}")
        return v

    def key(self, v: Any, path: str) -> bytes:
        try:
            raw = bytes.fromhex(v) if isinstance(v, str) else b""
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise self.err(path, "must be a 32-byte Ed25519 public key in hex")
        return raw

    def names(self, v: Any, path: str) -> tuple[str, ...]:
        if not isinstance(v, list):
            raise self.err(path, "must be a list of names")
        return tuple(self.name(x, f"{path}[{i}]") for i, x in enumerate(v))

    def balances(self, v: Any, path: str) -> dict[str, int]:
        d = self.obj(v, path)
        return {
            self.name(k, f"{path}.{k}"): self.int_(a, f"{path}.{k}", 0, MAX_AMOUNT)
            for k, a in d.items()
        }


def parse_genesis(doc: Any, source: str = "genesis") -> Genesis:
    """Validate a decoded genesis document; raise :class:`GenesisError` naming the field."""
    r = _Reader(source)
    d = r.obj(doc, "(top level)")
    chain_id = r.name(r.req(d, "chain_id", ""), "chain_id")
    time_ms = r.int_(d.get("genesis_time_ms", 0), "genesis_time_ms", 0, (1 << 63) - 1)
    epoch_blocks = r.int_(d.get("epoch_blocks", 10), "epoch_blocks", 1, 1_000_000)
    parts_raw = r.req(d, "partitions", "")
    if not isinstance(parts_raw, list) or not parts_raw:
        raise r.err("partitions", "must be a non-empty list")
    partitions = tuple(r.name(p, f"partitions[{i}]") for i, p in enumerate(parts_raw))
    if len(set(partitions)) != len(partitions):
        raise r.err("partitions", "names must be unique")

    def part(v: Any, path: str) -> str:
        p = r.name(v, path)
        if p not in partitions:
            raise r.err(path, f"unknown partition {p!r}")
        return p

    auth = r.obj(r.req(d, "authority", ""), "authority")
    authority = r.key(r.req(auth, "public_key", "authority."), "authority.public_key")
    auth_part = part(auth.get("partition", partitions[0]), "authority.partition")
    auditor_raw = r.obj(d.get("auditor", {}), "auditor").get("public_key")
    auditor = None
    if auditor_raw is not None:
        if not isinstance(auditor_raw, str) or not auditor_raw:
            raise r.err("auditor.public_key", "must be a hex string or null")
        try:
            auditor = bytes.fromhex(auditor_raw)
        except ValueError:
            raise r.err("auditor.public_key", "must be hex") from None

    accounts: list[GenesisAccount] = [
        GenesisAccount(
            authority,
            auth_part,
            0,
            int(AUTHORITY_FLAGS),
            r.balances(auth.get("balances", {}), "authority.balances"),
            "authority",
        )
    ]
    inst_ids = {"authority"}
    for i, raw in enumerate(d.get("institutions", [])):
        p = f"institutions[{i}]"
        o = r.obj(raw, p)
        iid = r.name(r.req(o, "id", p + "."), p + ".id")
        if iid in inst_ids:
            raise r.err(p + ".id", f"duplicate institution id {iid!r}")
        inst_ids.add(iid)
        role = r.req(o, "role", p + ".")
        if role not in ROLE_FLAGS:
            raise r.err(p + ".role", f"must be one of {sorted(ROLE_FLAGS)}")
        accounts.append(
            GenesisAccount(
                r.key(r.req(o, "public_key", p + "."), p + ".public_key"),
                part(r.req(o, "partition", p + "."), p + ".partition"),
                0,
                ROLE_FLAGS[role],
                r.balances(o.get("balances", {}), p + ".balances"),
                iid,
                p,
                r.names(o.get("enabled", []), p + ".enabled"),
            )
        )
    for i, raw in enumerate(d.get("accounts", [])):
        p = f"accounts[{i}]"
        o = r.obj(raw, p)
        accounts.append(
            GenesisAccount(
                r.key(r.req(o, "public_key", p + "."), p + ".public_key"),
                part(r.req(o, "partition", p + "."), p + ".partition"),
                r.int_(o.get("kyc_tier", 1), p + ".kyc_tier", 0, 9),
                0,
                r.balances(o.get("balances", {}), p + ".balances"),
                None,
                p,
                r.names(o.get("enabled", []), p + ".enabled"),
            )
        )
    keys = [a.public_key for a in accounts]
    if len(set(keys)) != len(keys):
        raise r.err("accounts", "a public key appears twice")

    assets: list[GenesisAsset] = []
    for i, raw in enumerate(r.req(d, "assets", "")):
        p = f"assets[{i}]"
        o = r.obj(raw, p)
        aid = r.name(r.req(o, "id", p + "."), p + ".id")
        issuer = r.name(r.req(o, "issuer", p + "."), p + ".issuer")
        if issuer not in inst_ids:
            raise r.err(p + ".issuer", f"unknown institution {issuer!r}")
        assets.append(
            GenesisAsset(
                aid,
                issuer,
                r.int_(r.req(o, "decimals", p + "."), p + ".decimals", 0, 18),
                r.name(o.get("class", "token"), p + ".class"),
                r.int_(o.get("price_decimals", 0), p + ".price_decimals", 0, 18),
            )
        )
    asset_ids = [a.id for a in assets]
    if len(set(asset_ids)) != len(asset_ids):
        raise r.err("assets", "asset ids must be unique")
    totals = dict.fromkeys(asset_ids, 0)
    for a in accounts:
        for aid, amount in a.balances.items():
            if aid not in totals:
                raise r.err(f"{a.path}.balances.{aid}", "unknown asset")
            totals[aid] += amount
            if totals[aid] > MAX_AMOUNT:  # the supply record must encode
                raise r.err(f"{a.path}.balances.{aid}", f"total supply exceeds {MAX_AMOUNT}")
        for aid in a.enabled:
            if aid not in asset_ids:
                raise r.err(f"{a.path}.enabled", f"unknown asset {aid!r}")

    policies: list[PolicyEntry] = []
    pol = r.obj(d.get("policy", {}), "policy")
    for group, kind in (("regulatory_rules", "regulatory"), ("monetary_policy", "monetary")):
        for i, raw in enumerate(pol.get(group, [])):
            p = f"policy.{group}[{i}]"
            o = r.obj(raw, p)
            params = r.obj(o.get("params", {}), p + ".params")
            policies.append(
                PolicyEntry(
                    kind,
                    r.name(r.req(o, "name", p + "."), p + ".name"),
                    {
                        r.name(k, f"{p}.params.{k}"): r.int_(
                            v, f"{p}.params.{k}", -(1 << 63), (1 << 64) - 1
                        )
                        for k, v in params.items()
                    },
                )
            )
    extra = {k: v for k, v in d.items() if k in ("committee", "institutions_meta")}
    cons = r.obj(d.get("consensus", {}), "consensus")
    unknown = sorted(set(cons) - {"commit_rule", "gc_depth"})
    if unknown:
        raise r.err(f"consensus.{unknown[0]}", "unknown field")
    commit_rule = cons.get("commit_rule", "bullshark")
    if commit_rule not in RULES:
        raise r.err("consensus.commit_rule", f"must be one of {', '.join(RULES)}")
    gc_depth = r.int_(cons.get("gc_depth", GC_DEPTH), "consensus.gc_depth", 4, GC_DEPTH_MAX)
    return Genesis(
        chain_id,
        time_ms,
        epoch_blocks,
        authority,
        auth_part,
        auditor,
        partitions,
        tuple(accounts),
        tuple(assets),
        tuple(policies),
        extra,
        commit_rule,
        gc_depth,
    )


def load_genesis(path: str | Path) -> Genesis:
    """Read and validate a genesis JSON file."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise GenesisError(f"{p}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise GenesisError(f"{p}: line {exc.lineno}: invalid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise GenesisError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    return parse_genesis(doc, str(p))
