"""Persisting a block: state writes, receipts, the block record and the new head land
in one synced write batch, so a crash leaves either all of a block or none of it."""

from __future__ import annotations

from itertools import repeat

from drex_node.ledger.codes import Reason
from drex_node.ledger.execute import Block, BlockResult, head
from drex_node.ledger.receipts import Receipt, encode_receipts
from drex_node.ledger.state import BLOCKS, K_HEAD, META, RECEIPTS, pack, unpack
from drex_node.storage.kv import KVStore, WriteBatch

NAMESPACES = (META, BLOCKS, RECEIPTS)


def block_key(height: int) -> bytes:
    return b"b/" + height.to_bytes(8, "big")


def receipts_key(height: int) -> bytes:
    return b"r/" + height.to_bytes(8, "big")


def commit_block(
    store: KVStore,
    block: Block,
    result: BlockResult,
    *,
    sync: bool = True,
    encoded: tuple[list[bytes], list[bytes]] | None = None,
) -> None:
    """Write ``result`` of executing ``block`` atomically (and durably when ``sync``);
    ``encoded`` is ``(encode_receipts(result.receipts), encode_receipts(result.events))``
    when the caller has them already."""
    if result.height != block.height or head(store)[0] + 1 != block.height:
        raise ValueError(f"block {block.height} does not follow the stored head")
    wb = WriteBatch()
    ops = wb.ops
    ops.extend(result.writes.items())
    wb.put(BLOCKS, block_key(block.height), pack([block.height, block.time_ms, list(block.txs)]))
    if encoded is None:
        encoded = encode_receipts(result.receipts), encode_receipts(result.events)
    receipts, events = encoded
    wb.put(BLOCKS, receipts_key(block.height), pack(receipts))
    if events:
        wb.put(BLOCKS, events_key(block.height), pack(events))
    # The tx index keeps the applied receipt: a replay's rejection never overwrites it.
    # A transaction applies at most once, so an applied receipt is always written.
    chosen: dict[bytes, bytes] = {}
    rejected: dict[bytes, bytes] = {}
    choose, reject = chosen.setdefault, rejected.setdefault  # the first one per hash
    ok, refused = Reason.OK, Reason.CREDIT_REFUSED
    for r, enc in zip((*result.receipts, *result.events), receipts + events, strict=True):
        reason = r.reason
        if reason is ok or reason is refused:
            choose(r.tx_hash, enc)
        else:
            reject(r.tx_hash, enc)
    for tx_hash, enc in rejected.items():
        if tx_hash not in chosen:
            old = store.get(RECEIPTS, tx_hash)
            if old is None or not Receipt.decode(old).applied:
                chosen[tx_hash] = enc
    keys = zip(repeat(RECEIPTS), chosen, strict=False)  # (RECEIPTS, tx_hash), built in C
    ops.extend(zip(keys, chosen.values(), strict=True))
    wb.put(
        META,
        K_HEAD,
        pack([block.height, result.state_root, list(result.notes), block.time_ms]),
    )
    store.write(wb, sync=sync)


def receipt(store: KVStore, tx_hash: bytes) -> Receipt | None:
    """The receipt indexed for ``tx_hash`` (the applied one, if any)."""
    raw = store.get(RECEIPTS, tx_hash)
    return None if raw is None else Receipt.decode(raw)


def events_key(height: int) -> bytes:
    return b"e/" + height.to_bytes(8, "big")


def block_events(store: KVStore, height: int) -> list[Receipt]:
    """System receipts of a block (expiries), in order."""
    raw = store.get(BLOCKS, events_key(height))
    return [] if raw is None else [Receipt.decode(r) for r in unpack(raw)]


def encoded_receipts(store: KVStore, height: int) -> tuple[list[bytes], list[bytes]]:
    """The receipts and system events of a block as stored (encoded)."""
    raw = store.get(BLOCKS, receipts_key(height))
    events = store.get(BLOCKS, events_key(height))
    return (
        [] if raw is None else list(unpack(raw)),
        [] if events is None else list(unpack(events)),
    )


def block_receipts(store: KVStore, height: int) -> list[Receipt]:
    raw = store.get(BLOCKS, receipts_key(height))
    return [] if raw is None else [Receipt.decode(r) for r in unpack(raw)]


def load_block(store: KVStore, height: int) -> Block | None:
    raw = store.get(BLOCKS, block_key(height))
    if raw is None:
        return None
    h, t, txs = unpack(raw)
    return Block(h, t, tuple(txs))
