"""The initial state a genesis file produces, and writing it into a fresh store."""

from __future__ import annotations

from collections.abc import Collection

from drex_node.genesis.model import Genesis, GenesisError
from drex_node.ledger.commit import NAMESPACES
from drex_node.ledger.execute import GENESIS_ROOT, Writes, state_root
from drex_node.ledger.state import (
    K_CHAIN,
    K_HEAD,
    META,
    Account,
    Asset,
    ChainInfo,
    StateView,
    pack,
    partition_ns,
)
from drex_node.ledger.tx import address_of
from drex_node.policy import host
from drex_node.policy.host import Registry
from drex_node.storage.kv import KVStore, WriteBatch


def genesis_writes(g: Genesis, registry: Registry, source: str = "genesis") -> Writes:
    """All state writes of height 0 (accounts, assets, supply, policies, chain record)."""
    view = StateView(_Empty())
    authority_addr = address_of(g.authority)
    view.put(
        META,
        K_CHAIN,
        ChainInfo(
            g.chain_id,
            authority_addr,
            g.partitions,
            g.auditor,
            g.epoch_blocks,
            g.commit_rule,
            g.gc_depth,
        ).encode(),
    )
    inst_addr = {a.institution_id: address_of(a.public_key) for a in g.accounts if a.institution_id}
    for asset in g.assets:
        issuer = inst_addr[asset.issuer]
        view.put(
            META,
            b"asset/" + asset.id.encode(),
            Asset(
                asset.id, issuer, asset.decimals, asset.asset_class, False, asset.price_decimals
            ).encode(),
        )
    supply: dict[str, int] = {}
    for a in g.accounts:
        view.create_account(
            address_of(a.public_key),
            Account(
                a.public_key,
                a.partition,
                a.kyc_tier,
                a.flags,
                balances=dict(a.balances),
                enabled=set(a.enabled),
            ),
        )
        for aid, amount in a.balances.items():
            supply[aid] = supply.get(aid, 0) + amount
    for aid, total in sorted(supply.items()):
        view.set_supply(aid, total, 0)
    for i, p in enumerate(g.policies):
        kind = registry.kind_of(p.name)
        group = "regulatory_rules" if p.kind == "regulatory" else "monetary_policy"
        where = f"{source}: policy.{group}[{i}]"
        if kind != p.kind:
            raise GenesisError(f"{where}.name: no {p.kind} module {p.name!r} is installed")
        err = registry.validate(p.name, p.params)
        if err is not None:
            raise GenesisError(f"{where}.params: {err}")
        for (ns, key), value in host.schedule_writes(view, p.name, p.kind, p.params, 0).items():
            view.put(ns, key, value)
    return dict(view.flush())


class _Empty:
    def get(self, ns: str, key: bytes) -> bytes | None:
        return None


def init_store(
    store: KVStore,
    g: Genesis,
    registry: Registry,
    source: str = "genesis",
    partitions: Collection[str] | None = None,
) -> bytes:
    """Create namespaces and write genesis in one synced batch; return the genesis root.
    With ``partitions`` (a partition-scoped follower, ADR 0077) only those partitions'
    accounts are written; the root is of the whole genesis all the same.

    Re-initialising a store of the same chain is a no-op; of another chain, or with
    another commit rule, an error.
    """
    skipped = (
        frozenset()
        if partitions is None
        else frozenset(partition_ns(p) for p in g.partitions if p not in partitions)
    )
    for ns in (*NAMESPACES, *(partition_ns(p) for p in g.partitions)):
        store.create_namespace(ns)
    existing = store.get(META, K_CHAIN)
    writes = genesis_writes(g, registry, source)
    root = state_root(GENESIS_ROOT, 0, writes)
    if existing is not None:
        have = ChainInfo.decode(existing)
        if have.chain_id != g.chain_id:
            raise GenesisError(f"{source}: chain_id: store belongs to another chain")
        if have.commit_rule != g.commit_rule:  # ADR 0078: its blocks are not the network's
            raise GenesisError(
                f"{source}: consensus.commit_rule: the store holds blocks committed under "
                f"{have.commit_rule!r}, the genesis asks for {g.commit_rule!r}; a network's "
                "commit rule cannot change"
            )
        if have.gc_depth != g.gc_depth:  # ADR 0081: it decides what a commit orders
            raise GenesisError(
                f"{source}: consensus.gc_depth: the store holds blocks committed with "
                f"{have.gc_depth}, the genesis asks for {g.gc_depth}; a network's GC depth "
                "cannot change"
            )
        return root
    wb = WriteBatch()
    for (ns, key), value in sorted(writes.items()):
        assert value is not None
        if ns not in skipped:
            wb.put(ns, key, value)
    wb.put(META, K_HEAD, pack([0, root, [], g.genesis_time_ms]))
    store.write(wb, sync=True)
    return root
