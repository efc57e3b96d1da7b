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


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_workers_exit_when_their_parent_is_killed(start_method: str) -> None:
    """A parent killed with SIGKILL never sends the stop message: its workers must see
    end-of-file on the request pipe and exit rather than linger as orphans."""
    import time

    read_fd, write_fd = os.pipe()
    parent = os.fork()
    if parent == 0:  # the parent-to-be-killed: start workers, report their pids, wait
        try:
            os.close(read_fd)
            v = VerifierProcesses(2, start_method=start_method)
            if v.result(v.submit(pack_jobs(txs(1, "vk")))) == b"\x01":
                os.write(write_fd, b" ".join(str(p.pid).encode() for p in v._procs) + b"\n")
            time.sleep(60)
        finally:
            os._exit(0)  # never back into pytest in the forked copy
    os.close(write_fd)
    pids = [int(x) for x in os.read(read_fd, 200).split()]
    os.close(read_fd)
    assert len(pids) == 2, "the parent-to-be-killed did not start its workers"
    os.kill(parent, signal.SIGKILL)
    os.waitpid(parent, 0)
    deadline = time.monotonic() + 10
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        alive.append(pid)
            except FileNotFoundError:
                pass
    for pid in alive:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert alive == []
