"""Verifier processes fed through pipes: verdicts per ticket, in order, and clear errors."""

from __future__ import annotations

import os
import signal

import pytest

from drex_node.ledger.sigbatch import pack_jobs
from drex_node.runtime.verifiers import PIPE_BYTES, VerifierProcesses
from tests.unit.runtime.test_sigpool import forged, txs


def test_chunks_come_back_with_their_own_verdicts() -> None:
    a, b, c = txs(150, "va"), txs(5, "vb"), txs(40, "vc")
    b[2] = forged(b[2])
    c[0], c[39] = forged(c[0]), forged(c[39])
    with VerifierProcesses(2) as v:
        assert v.workers == 2
        tickets = [v.submit(pack_jobs(x)) for x in (a, b, c, [])]
        assert [t[0] for t in tickets] == [0, 1, 0, 1]  # round robin
        got = [v.result(t) for t in tickets]
    assert got == [b"\x01" * 150, b"\x01\x01\x00\x01\x01", b"\x00" + b"\x01" * 38 + b"\x00", b""]


def test_many_chunks_queue_without_blocking_the_sender() -> None:
    chunk = pack_jobs(txs(100, "vq")) * 4  # ~51 KiB: several fit in an enlarged pipe
    assert 3 * len(chunk) < PIPE_BYTES
    with VerifierProcesses(1) as v:
        tickets = [v.submit(chunk) for _ in range(6)]
        assert all(v.result(t) == b"\x01" * 400 for t in tickets)


def test_tickets_are_taken_in_order_and_a_dead_worker_is_reported() -> None:
    with VerifierProcesses(1) as v:
        first, second = v.submit(pack_jobs(txs(2, "vo"))), v.submit(pack_jobs(txs(1, "vp")))
        with pytest.raises(ValueError, match="out of order"):
            v.result(second)
        assert v.result(first) == b"\x01\x01"
        assert v.result(second) == b"\x01"
        os.kill(v._procs[0].pid or 0, signal.SIGKILL)
        v._procs[0].join()
        with pytest.raises(RuntimeError, match="exited"):
            v.result(v.submit(pack_jobs(txs(1, "vr"))))
        with pytest.raises(RuntimeError, match="exited"):
            v.submit(b"")
