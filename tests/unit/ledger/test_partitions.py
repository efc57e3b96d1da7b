"""Partitions execute independently: any order, or worker processes, same root."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from drex_node.ledger.codes import Reason, TxType
from drex_node.ledger.execute import PartitionOutput, sequential_map
from drex_node.storage import MemoryStore
from tests.ledgerkit import Chain

PARTS = ("N", "NE", "CO", "SE", "S")


def workload(chain: Chain, seed: int, n: int) -> list[bytes]:
    rng = random.Random(seed)  # seeded: the test is reproducible
    txs = []
    for _ in range(n):
        src = f"user-{rng.choice(PARTS)}-{rng.randrange(4)}"
        dst = f"user-{rng.choice(PARTS)}-{rng.randrange(4)}"
        if src != dst:
            txs.append(chain.transfer(src, dst, rng.randrange(1, 400_000)))
    return txs


def reversed_map(fn: Callable[..., PartitionOutput], args: Sequence[Any]) -> list[PartitionOutput]:
    return [fn(*a) for a in reversed(args)][::-1]


def shuffled_map(fn: Callable[..., PartitionOutput], args: Sequence[Any]) -> list[PartitionOutput]:
    order = list(range(len(args)))
    random.Random(len(args)).shuffle(order)
    out: dict[int, PartitionOutput] = {i: fn(*args[i]) for i in order}
    return [out[i] for i in reversed(order)]


def _call(packed: tuple[Callable[..., PartitionOutput], tuple[Any, ...]]) -> PartitionOutput:
    fn, a = packed
    return fn(*a)


@pytest.fixture(scope="module")
def pool() -> Any:
    with ProcessPoolExecutor(max_workers=2) as ex:
        yield ex


def run(mapper: Any, seed: int = 7) -> tuple[bytes, list[Any]]:
    chain = Chain(MemoryStore())
    roots = []
    for b in range(3):
        result = chain.commit(workload(chain, seed * 10 + b, 120), mapper=mapper)
        roots.append(result.state_root)
    return chain.root, roots


def test_partition_order_does_not_change_the_root() -> None:
    base, _ = run(lambda fn, args: [fn(*a) for a in args])
    assert run(reversed_map)[0] == base
    assert run(shuffled_map)[0] == base


def test_worker_processes_give_the_same_root(pool: ProcessPoolExecutor) -> None:
    base, roots = run(lambda fn, args: [fn(*a) for a in args], seed=3)

    def process_map(fn: Callable[..., PartitionOutput], args: Sequence[Any]) -> list[Any]:
        return list(pool.map(_call, [(fn, tuple(a)) for a in args]))

    proc_root, proc_roots = run(process_map, seed=3)
    assert proc_roots == roots
    assert proc_root == base


def mixed_block(chain: Chain, rng: random.Random, frozen: str) -> list[bytes]:
    """Transfers (some overdrawn, some to a frozen account so credits are refused and
    refunded), single- and multi-partition DvP, a freeze and an unfreeze as barriers."""
    txs = workload(chain, rng.randrange(1 << 30), 60)
    for _ in range(6):
        src = f"user-{rng.choice(PARTS)}-{rng.randrange(4)}"
        if src != frozen:
            txs.insert(rng.randrange(len(txs)), chain.transfer(src, frozen, 5))
    a, b = f"user-N-{rng.randrange(2)}", f"user-N-{2 + rng.randrange(2)}"
    same = [[chain.addr(a), chain.addr(b), "DREX", 7], [chain.addr(b), chain.addr(a), "DREX", 3]]
    txs.insert(10, chain.tx(a, TxType.SETTLE, [same], cosigners=[b]))
    c = f"user-S-{rng.randrange(4)}"
    cross = [[chain.addr(a), chain.addr(c), "DREX", 11], [chain.addr(c), chain.addr(a), "DREX", 2]]
    txs.insert(30, chain.tx(a, TxType.SETTLE, [cross], cosigners=[c]))
    txs.insert(20, chain.tx("regulator", TxType.FREEZE, [chain.addr(frozen), 1]))
    txs.insert(50, chain.tx("regulator", TxType.UNFREEZE, [chain.addr(frozen), 1]))
    return txs


@pytest.mark.parametrize("seed", [1, 2])
def test_default_mapper_equals_per_job_views_on_a_mixed_workload(seed: int) -> None:
    """The default sequential mapper runs partition jobs on the block's own view; any
    other mapper gives each job its own view and merges. Same receipts, same roots."""
    results = []
    for mapper in (sequential_map, reversed_map):
        chain = Chain(MemoryStore())
        rng = random.Random(seed)
        out = []
        for _ in range(3):
            r = chain.commit(mixed_block(chain, rng, "user-SE-1"), mapper=mapper)
            out.append((r.state_root, r.receipts, r.events))
        results.append(out)
    assert results[0] == results[1]
    reasons = {rc.reason for _root, receipts, _ev in results[0] for rc in receipts}
    assert {Reason.OK, Reason.CREDIT_REFUSED, Reason.INSUFFICIENT_FUNDS} <= reasons
