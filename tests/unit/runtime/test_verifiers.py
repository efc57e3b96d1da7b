"""Verifier processes sharing one queue: verdicts per chunk id, and clear errors."""

from __future__ import annotations

import os
import signal

import pytest

from drex_node.ledger.sigbatch import pack_jobs
from drex_node.runtime.verifiers import PIPE_BYTES, VerifierProcesses
from tests.unit.runtime.test_sigpool import forged, txs


def test_chunks_come_back_with_their_own_verdicts_in_any_order() -> None:
    a, b, c = txs(150, "va"), txs(5, "vb"), txs(40, "vc")
    b[2] = forged(b[2])
    c[0], c[39] = forged(c[0]), forged(c[39])
    with VerifierProcesses(2) as v:
        assert v.workers == 2
        ids = [v.submit(pack_jobs(x)) for x in (a, b, c, [])]
        assert ids == [0, 1, 2, 3]
        got = {i: v.result(i) for i in reversed(ids)}  # asked for last first
    assert got[0] == b"\x01" * 150
    assert got[1] == b"\x01\x01\x00\x01\x01"
    assert got[2] == b"\x00" + b"\x01" * 38 + b"\x00"
    assert got[3] == b""


def test_many_chunks_queue_without_blocking_the_sender() -> None:
    chunk = pack_jobs(txs(100, "vq")) * 4  # ~51 KiB: several fit in an enlarged pipe
    assert 3 * len(chunk) < PIPE_BYTES
    with VerifierProcesses(2) as v:
        ids = [v.submit(chunk) for _ in range(8)]
        assert all(v.result(i) == b"\x01" * 400 for i in ids)


def test_both_workers_take_chunks_from_the_one_queue() -> None:
    chunk = pack_jobs(txs(50, "vw"))
    with VerifierProcesses(2) as v:
        for i in range(40):
            v.send(i, chunk)
        answered_by = [0, 0]
        seen = set()
        while len(seen) < 40:
            for w in (0, 1):
                if v._replies[w].poll(0.05):
                    ident, verdicts = v.read(w)
                    assert verdicts == b"\x01" * 50
                    seen.add(ident)
                    answered_by[w] += 1
        assert seen == set(range(40)) and min(answered_by) > 0


def test_a_dead_worker_is_reported() -> None:
    with VerifierProcesses(1) as v:
        assert v.result(v.submit(pack_jobs(txs(2, "vo")))) == b"\x01\x01"
        assert v.alive()
        os.kill(v._procs[0].pid or 0, signal.SIGKILL)
        v._procs[0].join()
        assert not v.alive()
        with pytest.raises(RuntimeError, match="exited"):
            v.result(v.submit(pack_jobs(txs(1, "vr"))))
