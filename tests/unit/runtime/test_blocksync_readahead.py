"""Follower block sync reads blocks ahead of the one being applied: the queue hand-off
between reader and applier, and the re-check of a queued block when a committee change
was applied after it was read."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from consensus.committee import Committee, CommitteeSchedule, Validator
from consensus.crypto import Ed25519Verifier
from drex_node.runtime.blocks import BlockCheckError, from_subdag, verify_streamed
from drex_node.runtime.blocksync import (
    BEHIND_AFTER,
    PROGRESS_S,
    READ_AHEAD,
    Progress,
    current,
    next_checked,
)
from tests.unit.runtime.test_blocks import AUTHORITY, committee, subdag


class CountingVerifier(Ed25519Verifier):
    """The real verifier, counting its calls."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        self.calls += 1
        return super().verify(public_key, message, signature)


def streamed() -> SimpleNamespace:
    """The subdag of test_blocks as a peer streams it (CommittedBlock fields)."""
    rec = from_subdag(subdag()).record
    return SimpleNamespace(
        height=7,
        leader_round=rec.leader_round,
        certificates=list(rec.certificates),
        batches=list(rec.batches),
        state_root=b"",
    )


def test_a_queued_block_is_not_checked_again_while_the_schedule_is_unchanged() -> None:
    schedule = CommitteeSchedule(committee())
    blk = streamed()
    cand = verify_streamed(blk, schedule, Ed25519Verifier())
    v = CountingVerifier()
    assert current((cand, blk, 0.0, schedule.entries), schedule, v, "bullshark") is cand
    assert v.calls == 0


def test_a_committee_change_applied_meanwhile_means_checking_again() -> None:
    schedule = CommitteeSchedule(committee())
    blk = streamed()
    item = (verify_streamed(blk, schedule, Ed25519Verifier()), blk, 0.0, schedule.entries)
    # A change from round 3 on (after this block's rounds): checked again, still valid.
    members = [Validator(v.id, v.public_key, 2, "") for v in committee().validators]
    later = Committee.create(1, members).signed(AUTHORITY)
    schedule.add(3, later)
    v = CountingVerifier()
    again = current(item, schedule, v, "bullshark")
    assert again.block == item[0].block and v.calls > 0
    # A change that governs the block's anchor round: its epoch-0 certificates no longer
    # belong to the committee of their round.
    moved = CommitteeSchedule(committee())
    moved.add(2, later)
    with pytest.raises(BlockCheckError, match="wrong-epoch"):
        current(item, moved, Ed25519Verifier(), "bullshark")


def test_next_checked_hands_over_in_order_then_drains_after_the_reader_ends() -> None:
    async def scenario() -> list[object]:
        ready: asyncio.Queue[object] = asyncio.Queue(READ_AHEAD)

        async def reader() -> None:
            for i in range(10):  # more than fit in the queue: the reader waits for room
                await ready.put(i)

        task = asyncio.create_task(reader())
        got: list[object] = []
        while (item := await next_checked(ready, task)) is not None:  # type: ignore[arg-type]
            got.append(item)
            await asyncio.sleep(0)
        return got

    assert asyncio.run(scenario()) == list(range(10))


def test_next_checked_returns_what_was_queued_before_the_stream_failed() -> None:
    async def scenario() -> tuple[list[object], BaseException | None]:
        ready: asyncio.Queue[object] = asyncio.Queue(READ_AHEAD)

        async def reader() -> None:
            await ready.put("a")
            await ready.put("b")
            raise ConnectionError("stream broke")

        task = asyncio.create_task(reader())
        await asyncio.sleep(0.01)
        got: list[object] = []
        while (item := await next_checked(ready, task)) is not None:  # type: ignore[arg-type]
            got.append(item)
        return got, task.exception()

    got, exc = asyncio.run(scenario())
    assert got == ["a", "b"] and isinstance(exc, ConnectionError)


def test_progress_is_reported_only_while_behind() -> None:
    p = Progress("10.0.0.1:7000", now=0.0)
    # Following at the head: blocks arrive before the upstream executed them. Nothing.
    assert all(p.applied(h, False, h * 0.1) is None for h in range(1, 50))
    # A few executed blocks in a row (the follower lagged a moment): still nothing.
    assert all(p.applied(h, True, 5.0) is None for h in range(50, 50 + BEHIND_AFTER - 1))
    assert p.applied(100, False, 5.1) is None
    # A long run of executed blocks: behind, then a line every PROGRESS_S.
    lines = [p.applied(200 + i, True, 6.0 + i * 0.02) for i in range(1000)]
    said = [line for line in lines if line is not None]
    assert said[0] == "behind 10.0.0.1:7000: catching up from height 219"
    assert said[1].startswith("catching up from 10.0.0.1:7000: height ")
    assert said[1].endswith(" 50 blocks/s")
    assert len(said) == 1 + int(999 * 0.02 // PROGRESS_S)
    # Back at the head: one line, then quiet again.
    assert p.applied(1200, False, 30.0) == (
        "caught up with 10.0.0.1:7000 at height 1200 after 24 s"
    )
    assert p.applied(1201, False, 30.1) is None
