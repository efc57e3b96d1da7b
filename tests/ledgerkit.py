"""Test harness: a chain on a real store that builds, signs, executes and commits blocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drex_node.genesis import init_store, parse_genesis
from drex_node.genesis.dev import DevKey, dev_genesis, drex_genesis
from drex_node.ledger.codes import TxType
from drex_node.ledger.commit import commit_block
from drex_node.ledger.execute import Block, BlockResult, Mapper, apply_block, head, sequential_map
from drex_node.ledger.state import StateView
from drex_node.ledger.tx import build
from drex_node.policy.host import Registry, load_registry
from drex_node.storage.kv import KVStore


class Chain:
    def __init__(self, store: KVStore, *, drex: bool = False, **genesis_kw: Any) -> None:
        self.doc, self.keys = (drex_genesis if drex else dev_genesis)(**genesis_kw)
        self.genesis = parse_genesis(self.doc)
        self.registry: Registry = load_registry()
        self.store = store
        self.genesis_root = init_store(store, self.genesis, self.registry)
        self.nonces: dict[str, int] = {}
        self.chain_id = self.genesis.chain_id

    @property
    def height(self) -> int:
        return head(self.store)[0]

    @property
    def root(self) -> bytes:
        return head(self.store)[1]

    def key(self, name: str) -> DevKey:
        return self.keys[name]

    def addr(self, name: str) -> bytes:
        return self.keys[name].address

    def next_nonce(self, name: str) -> int:
        self.nonces[name] = self.nonces.get(name, 0) + 1
        return self.nonces[name]

    def tx(
        self,
        signer: str,
        txtype: TxType,
        fields: Sequence[Any],
        *,
        nonce: int | None = None,
        expiry: int | None = None,
        cosigners: Sequence[str] = (),
        chain_id: str | None = None,
        op_id: bytes | None = None,
    ) -> bytes:
        n = self.next_nonce(signer) if nonce is None else nonce
        exp = self.height + 100 if expiry is None else expiry
        seeds = [self.keys[signer].seed] + [self.keys[c].seed for c in cosigners]
        return build(chain_id or self.chain_id, txtype, fields, n, exp, seeds, op_id)

    def transfer(self, src: str, dst: str, amount: int, asset: str = "DREX", **kw: Any) -> bytes:
        return self.tx(src, TxType.TRANSFER, [self.addr(dst), asset, amount, b""], **kw)

    def time_ms(self, height: int) -> int:
        return 1000 * height

    def execute(self, txs: Sequence[bytes], mapper: Mapper = sequential_map) -> BlockResult:
        block = Block(self.height + 1, 1000 * (self.height + 1), tuple(txs))
        return apply_block(self.store, block, registry=self.registry, mapper=mapper)

    def commit(self, txs: Sequence[bytes], mapper: Mapper = sequential_map) -> BlockResult:
        block = Block(self.height + 1, 1000 * (self.height + 1), tuple(txs))
        result = apply_block(self.store, block, registry=self.registry, mapper=mapper)
        commit_block(self.store, block, result)
        return result

    def balance(self, name: str, asset: str = "DREX") -> int:
        acc = StateView(self.store).account(self.addr(name))
        return 0 if acc is None else acc.balances.get(asset, 0)

    def account(self, name: str) -> Any:
        return StateView(self.store).account(self.addr(name))
