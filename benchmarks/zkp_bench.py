"""`drex-bench zkp`: confidential-transfer proofs — reference vs fast verify, batching, prover.

Per anonymity set N (default 2, 8, 64), hardened mode (the network default):
``reference_verify_ms`` (py-ecc MSM), ``fast_verify_ms`` (``zkp.fast.msm.msm`` if
importable, else null), ``speedup_vs_reference``, ``batched_proofs_per_s`` (a batch of 64
proofs folded into one MSM per worker, split over ``--workers`` processes; N = 2 and 8),
``prover_ms``, compat-mode ``compat_reference_verify_ms`` and ``naive_py_ecc_verify_ms``
(the same verifier with one py-ecc scalar multiplication per term, as the reference
contracts evaluate it) for comparison. numba
compilation is warmed before any timing. Proof inputs come from a seeded RNG.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from zkp.batch import BatchItem, batch_verify
from zkp.msm import MSM, naive_msm, reference_msm
from zkp.reference import compat, hardened, wallet
from zkp.reference.rng import SeededRng
from zkp.reference.statements import TransferStatement


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Suite options."""
    parser.add_argument("--sizes", default="2,8,64", help="anonymity set sizes (powers of 2)")
    parser.add_argument("--repeat", type=int, default=3, help="timed verifications per size")
    parser.add_argument("--batch", type=int, default=64, help="proofs per batch")
    parser.add_argument("--batch-sizes", default="2,8", help="N values for the batch figure")
    parser.add_argument("--workers", type=int, default=2, help="processes for the batch figure")
    parser.add_argument("--seed", default="drex-bench-zkp", help="RNG seed for inputs")
    parser.add_argument(
        "--plot", default=".bench/zkp_verify.png", help="verify-time plot ('' to skip)"
    )


def _log(msg: str) -> None:
    print(f"[zkp-bench] {msg}", file=sys.stderr, flush=True)


def _fast_msm() -> MSM | None:
    try:
        fast_module = importlib.import_module("zkp.fast.msm")
    except ImportError:
        return None
    warm = getattr(fast_module, "warm_up", None)
    if callable(warm):
        warm()
    fn: MSM = fast_module.msm
    return fn


def _make(n: int, seed: str, mode: str) -> tuple[TransferStatement, bytes, float]:
    rng = SeededRng(f"{seed}-{n}-{mode}")
    keys = [wallet.keypair(rng) for _ in range(n)]
    ring = [
        wallet.RingMember(y, wallet.encrypt(1000 if i == 1 else 5, y, rng.scalar()))
        for i, (_, y) in enumerate(keys)
    ]
    auditor = wallet.keypair(rng)[1]
    t0 = time.perf_counter()
    st, proof = wallet.build_transfer(
        keys[1][0], ring, 1, 0 if n == 2 else 2, 10, 7, rng, mode=mode,
        fee=1 if mode == "hardened" else 0,
        chain_id=1, auditor=auditor, balance=1000,
    )  # fmt: skip
    return st, proof, (time.perf_counter() - t0) * 1000


def _time_ms(fn: Callable[[], bool], repeat: int) -> float:
    samples = []
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        ok = fn()
        samples.append((time.perf_counter() - t0) * 1000)
        if not ok:
            raise RuntimeError("benchmark proof failed to verify")
    return statistics.median(samples)


_WORKER_MSM: MSM = reference_msm


def _worker_init(use_fast: bool) -> None:
    global _WORKER_MSM
    fast = _fast_msm() if use_fast else None
    _WORKER_MSM = fast or reference_msm


def _worker_batch(args: tuple[list[BatchItem], bytes]) -> bool:
    items, seed = args
    return all(v.ok for v in batch_verify(items, seed, _WORKER_MSM))


def _make_item(job: tuple[int, str]) -> BatchItem:
    n, seed = job
    st, proof, _ = _make(n, seed, "hardened")
    return BatchItem(st, proof)


def _distinct_items(n: int, count: int, seed: str, workers: int) -> list[BatchItem]:
    """``count`` distinct proofs (distinct proofs share no points but the generators)."""
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        return pool.map(_make_item, [(n, f"{seed}-batch-{i}") for i in range(count)])


def _batched_rate(items: Sequence[BatchItem], workers: int, use_fast: bool) -> float:
    chunks = [list(items[i::workers]) for i in range(workers)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_worker_init, initargs=(use_fast,)) as pool:
        pool.map(_worker_batch, [([c[0]], b"warm") for c in chunks])  # warm every worker
        t0 = time.perf_counter()
        oks = pool.map(_worker_batch, [(c, b"bench-seed") for c in chunks])
        elapsed = time.perf_counter() - t0
    if not all(oks):
        raise RuntimeError("batched verification failed")
    return len(items) / elapsed


def _plot(results: dict[str, Any], path: str) -> str | None:
    """Verify time per proof against N for each backend (log scale); returns the path."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    sizes = sorted(int(n) for n in results)
    fig, ax = plt.subplots(figsize=(6, 4))
    for key, label in (
        ("naive_py_ecc_verify_ms", "py-ecc, one multiplication per term"),
        ("reference_verify_ms", "reference (py-ecc Pippenger, fused)"),
        ("fast_verify_ms", "fast (numba)"),
    ):
        ys = [results[str(n)].get(key) for n in sizes]
        if all(y is not None for y in ys):
            ax.plot(sizes, ys, marker="o", label=label)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("anonymity set N")
    ax.set_ylabel("hardened transfer verify (ms)")
    ax.legend()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return str(out)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the suite and return one JSON-serialisable object."""
    sizes = [int(s) for s in str(args.sizes).split(",") if s]
    batch_sizes = {int(s) for s in str(args.batch_sizes).split(",") if s}
    fast = _fast_msm()
    _log(f"fast path: {'zkp.fast.msm.msm' if fast else 'not importable'}")
    results: dict[str, Any] = {}
    for n in sizes:
        _log(f"N={n}: proving (hardened + compat)")
        st, proof, prover_ms = _make(n, args.seed, "hardened")
        cst, cproof, compat_prover_ms = _make(n, args.seed, "compat")
        ref_ms = _time_ms(lambda s=st, p=proof: hardened.verify_transfer(s, p).ok, args.repeat)  # type: ignore[misc]
        compat_ms = _time_ms(
            lambda s=cst, p=cproof: compat.verify_transfer(s, p).ok,  # type: ignore[misc]
            args.repeat,
        )
        naive_ms = _time_ms(
            lambda s=st, p=proof: hardened.verify_transfer(s, p, naive_msm).ok,  # type: ignore[misc]
            1,
        )
        fast_ms = None
        if fast is not None:
            hardened.verify_transfer(st, proof, fast)
            fast_ms = _time_ms(
                lambda s=st, p=proof, f=fast: hardened.verify_transfer(s, p, f).ok,  # type: ignore[misc]
                args.repeat,
            )
        entry: dict[str, Any] = {
            "reference_verify_ms": round(ref_ms, 2),
            "fast_verify_ms": None if fast_ms is None else round(fast_ms, 3),
            "speedup_vs_reference": None if fast_ms is None else round(ref_ms / fast_ms, 1),
            "compat_reference_verify_ms": round(compat_ms, 2),
            "naive_py_ecc_verify_ms": round(naive_ms, 1),
            "prover_ms": round(prover_ms, 1),
            "compat_prover_ms": round(compat_prover_ms, 1),
            "proof_bytes": len(proof),
            "batched_proofs_per_s": None,
        }
        if n in batch_sizes:
            _log(f"N={n}: batch of {args.batch} over {args.workers} processes")
            items = _distinct_items(n, args.batch, args.seed, args.workers)
            entry["batched_proofs_per_s"] = round(
                _batched_rate(items, args.workers, fast is not None), 2
            )
            entry["batched_backend"] = "fast" if fast is not None else "reference"
        results[str(n)] = entry
        _log(f"N={n}: {entry}")
    plot = _plot(results, str(args.plot)) if args.plot else None
    return {
        "plot": plot,
        "mode": "hardened",
        "fast_path": fast is not None,
        "batch": args.batch,
        "workers": args.workers,
        "sizes": results,
    }
