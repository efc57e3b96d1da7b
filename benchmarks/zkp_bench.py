"""`drex-bench zkp`: confidential-transfer proofs — reference vs fast verify, batching, prover.

Per anonymity set N (default 2, 8, 64), on the same proofs for every backend:

* hardened mode (the network default): ``reference_verify_ms`` (the readable verifier
  of ``zkp.reference.hardened`` on ``zkp.msm.reference_msm``, py-ecc Pippenger, one
  fused MSM), ``fast_verify_ms`` (``zkp.api.verify_transfer`` on ``zkp.fast.backend``'s
  table-backed numba backend, which runs the flattened fast verifier of
  ``zkp.fast.verifier``; null if numba is missing), ``speedup_vs_reference`` =
  their ratio; ``naive_py_ecc_verify_ms`` (one py-ecc multiplication per term, as the
  reference contracts evaluate it; only for ``--naive-sizes``) and
  ``speedup_vs_naive``;
* compat mode: ``compat_reference_verify_ms``, ``compat_fast_verify_ms`` (incl. the
  contract's point-FFT replay) and ``compat_speedup_vs_reference``;
* ``prover_ms`` / ``compat_prover_ms`` (statement + proof on the fast backend) and
  ``reference_prover_ms`` (py-ecc, for ``--reference-prover-sizes``);
* ``batched_proofs_per_s``: a batch of ``--batch`` distinct proofs folded into one MSM
  per worker, split over ``--workers`` processes (N in ``--batch-sizes``).

numba compilation and the generator tables are done in every process before any timed
section; times are medians of ``--repeat`` runs. Proof inputs come from a seeded RNG.
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

from zkp import api
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
    parser.add_argument("--naive-sizes", default="2,8", help="N values for the naive figure")
    parser.add_argument(
        "--reference-prover-sizes", default="2,8", help="N values for the py-ecc prover time"
    )
    parser.add_argument(
        "--plot", default=".bench/zkp_verify.png", help="verify-time plot ('' to skip)"
    )


def _log(msg: str) -> None:
    print(f"[zkp-bench] {msg}", file=sys.stderr, flush=True)


REFERENCE = (
    "zkp.reference verifier on zkp.msm.reference_msm (py-ecc Jacobian Pippenger, one fused MSM)"
)
FAST = (
    "zkp.api.verify_transfer on zkp.fast.backend.FastBackend: the flattened verifiers of"
    " zkp.fast.verifier (numba, generator tables; reference verifier as fallback)"
)


def _fast_msm() -> MSM | None:
    """The fast backend, kernels compiled and generator tables built; None without numba."""
    try:
        fast_msm = importlib.import_module("zkp.fast.msm")
        backend = importlib.import_module("zkp.fast.backend")
    except ImportError:
        return None
    fast_msm.warm_up()
    fn: MSM = backend.fast_backend()
    return fn


def _make(
    n: int, seed: str, mode: str, msm: MSM = reference_msm
) -> tuple[TransferStatement, bytes, float]:
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
        chain_id=1, auditor=auditor, balance=1000, msm=msm,
    )  # fmt: skip
    return st, proof, (time.perf_counter() - t0) * 1000


def _api_verifier(mode: str) -> Callable[..., Any]:
    """``zkp.api.verify_transfer`` in ``mode``: the fast backend's own verifier (ADR 0045)."""

    def verify(st: TransferStatement, proof: bytes, msm: MSM) -> Any:
        return api.verify_transfer(st, proof, mode, msm)

    return verify


def _time_ms(fn: Callable[[], bool], repeat: int) -> float:
    return _samples_ms(fn, repeat)[0]


def _samples_ms(fn: Callable[[], bool], repeat: int) -> tuple[float, float]:
    """(median, best) wall time in ms of ``repeat`` runs; raises if a proof fails."""
    samples = []
    for _ in range(max(repeat, 1)):
        t0 = time.perf_counter()
        ok = fn()
        samples.append((time.perf_counter() - t0) * 1000)
        if not ok:
            raise RuntimeError("benchmark proof failed to verify")
    return statistics.median(samples), min(samples)


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
    st, proof, _ = _make(n, seed, "hardened", _fast_msm() or reference_msm)
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


def _sizes(text: object) -> list[int]:
    return [int(x) for x in str(text).split(",") if x]


def _ratio(num: float | None, den: float | None) -> float | None:
    return None if num is None or den is None else round(num / den, 1)


def _size_entry(n: int, args: argparse.Namespace, fast: MSM | None) -> dict[str, Any]:
    """Every figure for one anonymity-set size (same proofs for every backend)."""
    maker = fast or reference_msm
    _make(n, args.seed + "-warm", "hardened", maker)  # first-use costs outside the timing
    st, proof, prover_ms = _make(n, args.seed, "hardened", maker)
    cst, cproof, compat_prover_ms = _make(n, args.seed, "compat", maker)
    ref_prover_ms = None
    if n in _sizes(args.reference_prover_sizes):
        rst, rproof, ref_prover_ms = _make(n, args.seed, "hardened")
        if (rst, rproof) != (st, proof):
            raise RuntimeError("fast and reference provers disagree")

    def timed(
        verify: Callable[..., Any], s: Any, p: bytes, msm: MSM, repeat: int
    ) -> tuple[float, float]:
        verify(s, p, msm)
        return _samples_ms(lambda: bool(verify(s, p, msm).ok), repeat)

    ref_ms = timed(hardened.verify_transfer, st, proof, reference_msm, args.repeat)[0]
    compat_ms = timed(compat.verify_transfer, cst, cproof, reference_msm, args.repeat)[0]
    naive_ms = None
    if n in _sizes(args.naive_sizes):
        naive_ms = _time_ms(lambda: hardened.verify_transfer(st, proof, naive_msm).ok, 1)
    fast_ms = compat_fast_ms = fast_best = compat_fast_best = None
    if fast is not None:
        reps = max(args.repeat, 5)
        fast_ms, fast_best = timed(_api_verifier("hardened"), st, proof, fast, reps)
        compat_fast_ms, compat_fast_best = timed(_api_verifier("compat"), cst, cproof, fast, reps)
    return {
        "reference_verify_ms": round(ref_ms, 2),
        "fast_verify_ms": None if fast_ms is None else round(fast_ms, 3),
        "fast_verify_best_ms": None if fast_best is None else round(fast_best, 3),
        "speedup_vs_reference": _ratio(ref_ms, fast_ms),
        "naive_py_ecc_verify_ms": None if naive_ms is None else round(naive_ms, 1),
        "speedup_vs_naive": _ratio(naive_ms, fast_ms),
        "compat_reference_verify_ms": round(compat_ms, 2),
        "compat_fast_verify_ms": None if compat_fast_ms is None else round(compat_fast_ms, 3),
        "compat_fast_verify_best_ms": None
        if compat_fast_best is None
        else round(compat_fast_best, 3),
        "compat_speedup_vs_reference": _ratio(compat_ms, compat_fast_ms),
        "prover_ms": round(prover_ms, 1),
        "compat_prover_ms": round(compat_prover_ms, 1),
        "reference_prover_ms": None if ref_prover_ms is None else round(ref_prover_ms, 1),
        "proof_bytes": len(proof),
        "batched_proofs_per_s": None,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the suite and return one JSON-serialisable object."""
    sizes = _sizes(args.sizes)
    batch_sizes = set(_sizes(args.batch_sizes))
    fast = _fast_msm()
    _log(f"fast path: {FAST if fast else 'not importable'}")
    results: dict[str, Any] = {}
    for n in sizes:
        _log(f"N={n}: proving and verifying (hardened + compat)")
        entry = _size_entry(n, args, fast)
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
        "mode": "hardened (compat_* fields: compat mode)",
        "reference": REFERENCE,
        "fast": FAST if fast is not None else None,
        "fast_path": fast is not None,
        "timing": "median of --repeat (fast: at least 5) runs on one core after warm-up"
        " (*_best_ms: fastest run); numba compilation and generator tables are built"
        " before any timed section; speedups are ratios of medians",
        "prover_ms": "statement + proof on the fast backend (byte-identical to the reference)",
        "batch": args.batch,
        "workers": args.workers,
        "sizes": results,
    }
