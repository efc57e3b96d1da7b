"""Public multi-scalar multiplication API of the numba fast path.

Every function takes and returns affine points with plain integer coordinates
(``Point = tuple[int, int] | None``, ``None`` being the point at infinity) and
arbitrary Python int scalars (reduced mod the group order r).  Coordinates must
be ints in ``[0, p)``; anything else raises ``ValueError``.  The MSM does not
check that points lie on the curve: callers holding points from outside run
``validate_points`` first (BN254 G1 has cofactor 1, so on-curve means in-group).
Results never depend on whether ``warm_up`` ran, nor on ``threads``.
"""

from __future__ import annotations

import mmap
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from zkp.fast import replay, scalar_kernels
from zkp.fast.convert import (
    Arr,
    Flags,
    Point,
    jac_to_plain,
    points_to_raw,
    raw_to_mont,
    scalars_to_limbs,
)
from zkp.fast.field import NLIMBS, P_INT, limbs_to_int
from zkp.fast.fixed_tree import build_full_table
from zkp.fast.loader import PROOF, encode_points, load_points
from zkp.fast.pippenger import (
    FIXED_AFFINE,
    FIXED_BUCKETS,
    FIXED_TREE,
    build_table,
    msm_fused,
    num_windows,
    recode_signed,
    sum_partials,
)
from zkp.fast.plan import MAX_WINDOW, METHODS, fixed_plan, variable_plan, variable_window
from zkp.fast.straus import glv_digits, recode_wnaf, straus_glv_many

__all__ = [
    "FixedBaseMSM",
    "Point",
    "is_on_curve",
    "msm",
    "msm_many",
    "many_plan",
    "many_rows",
    "many_rows_planned",
    "mixed_is_identity",
    "msm_mixed",
    "validate_points",
    "variable_plan",
    "variable_window",
    "warm_up",
]

Digits = npt.NDArray[np.int64]

_EMPTY_PTS = np.zeros((0, NLIMBS), dtype=np.uint64)
_EMPTY_INF = np.zeros(0, dtype=np.uint8)
_EMPTY_DIGITS = np.zeros((0, 1), dtype=np.int64)
_MIN_TERMS_PER_THREAD = 64
FULL_WINDOW = 9
_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()


def _prepare(points: Sequence[Point], check_curve: bool) -> tuple[Arr, Flags]:
    if len(points) == 0:
        return _EMPTY_PTS, _EMPTY_INF
    raw, inf = points_to_raw(points)
    pts, bad = raw_to_mont(raw, inf, check_curve)
    if bad >= 0:
        raise ValueError(f"point {int(bad)} has a coordinate >= p or is not on the curve")
    return pts, inf


def _to_point(acc: Arr) -> Point:
    out = np.zeros((3, NLIMBS), dtype=np.uint64)
    if jac_to_plain(acc, out):
        return None
    x, y, z = (limbs_to_int(row) for row in out)
    zi = pow(z, -1, P_INT)
    zi2 = zi * zi % P_INT
    return x * zi2 % P_INT, y * zi2 * zi % P_INT


def _bounds(n: int, parts: int) -> list[tuple[int, int]]:
    return [(n * j // parts, n * (j + 1) // parts) for j in range(parts)]


def _run(jobs: list[Callable[[], Arr]]) -> Arr:
    """Run jobs (each returning a (3, NLIMBS) Jacobian partial sum) on threads; sum the parts."""
    if len(jobs) == 1:
        return jobs[0]()
    with _pools_lock:
        pool = _pools.get(len(jobs))
        if pool is None:
            pool = ThreadPoolExecutor(len(jobs), thread_name_prefix="zkp-msm")
            _pools[len(jobs)] = pool
    parts = np.concatenate([f.result() for f in [pool.submit(job) for job in jobs]])
    out = np.empty((3, NLIMBS), dtype=np.uint64)
    sum_partials(parts, out)
    return out


class _Fixed:
    """Fixed-base operands of one fused kernel call (possibly a slice of a table).

    ``mode`` is one of ``pippenger.FIXED_*``; ``per_base`` table points per base.
    """

    def __init__(
        self, table: Arr, inf: Flags, digits: Digits, window: int, mode: int, per_base: int
    ) -> None:
        self.table, self.inf, self.digits = table, inf, digits
        self.window, self.mode, self.per_base = window, mode, per_base

    def part(self, lo: int, hi: int) -> _Fixed:
        rows = self.table[2 * lo * self.per_base : 2 * hi * self.per_base]
        return _Fixed(
            rows, self.inf[lo:hi], self.digits[lo:hi], self.window, self.mode, self.per_base
        )


_NO_FIXED = _Fixed(_EMPTY_PTS, _EMPTY_INF, _EMPTY_DIGITS, 2, FIXED_BUCKETS, 1)


def _fused(
    fixed: _Fixed,
    points: Sequence[Point],
    scalars: Sequence[int],
    threads: int,
    plan: tuple[int, int],
) -> Point:
    """fixed part + sum scalars[i] * points[i], split over up to ``threads`` threads."""
    if len(points) != len(scalars):
        raise ValueError("points and scalars differ in length")
    pts, inf = _prepare(points, False)
    return _to_point(_fused_arrays(fixed, pts, inf, scalars, threads, plan))


def _fused_arrays(
    fixed: _Fixed,
    pts: Arr,
    inf: Flags,
    scalars: Sequence[int],
    threads: int,
    plan: tuple[int, int],
) -> Arr:
    """The (3, NLIMBS) Jacobian sum for points already in Montgomery arrays."""
    c, method = plan
    signs, rows = _EMPTY_INF, 1
    if method == METHODS["straus-glv"]:
        digits, signs = glv_digits(scalars, c)
        rows = 2
    elif method == METHODS["straus"]:
        digits = recode_wnaf(scalars_to_limbs(scalars), c)
    else:
        digits = recode_signed(scalars_to_limbs(scalars), c, num_windows(c))
    nf, nv = fixed.inf.shape[0], inf.shape[0]
    parts = max(1, min(threads, (nf + nv) // _MIN_TERMS_PER_THREAD))

    def job(j: int) -> Callable[[], Arr]:
        flo, fhi = _bounds(nf, parts)[j]
        vlo, vhi = _bounds(nv, parts)[j]
        fx = fixed.part(flo, fhi)

        def run() -> Arr:
            out = np.empty((3, NLIMBS), dtype=np.uint64)
            msm_fused(
                fx.table, fx.inf, fx.digits, fx.window, fx.mode,
                pts[2 * vlo : 2 * vhi], inf[vlo:vhi], digits[rows * vlo : rows * vhi],
                signs[rows * vlo : rows * vhi], c, method, out,
            )  # fmt: skip
            return out

        return run

    return _run([job(j) for j in range(parts)])


def mixed_is_identity(
    fixed: FixedBaseMSM,
    fixed_scalars: Sequence[int] | Arr,
    pts: Arr,
    inf: Flags,
    scalars: Sequence[int],
) -> bool:
    """True iff ``fixed(fixed_scalars) + sum scalars[i] * P_i`` is the identity.

    ``pts``/``inf`` are Montgomery affine rows as made by ``zkp.fast.loader``
    (already validated); one fused kernel call, no conversion back to integers.
    """
    if inf.shape[0] != len(scalars):
        raise ValueError("points and scalars differ in length")
    plan = variable_plan(max(1, len(scalars)))
    acc = _fused_arrays(fixed.operands(fixed_scalars), pts, inf, scalars, 1, plan)
    return bool(acc[2].max() == 0)


def is_on_curve(point: Point) -> bool:
    """True for None (infinity) or ints 0 <= x, y < p with y**2 = x**3 + 3 mod p."""
    if point is None:
        return True
    try:
        x, y = point
    except (TypeError, ValueError):
        return False
    if not (isinstance(x, int) and isinstance(y, int)) or not (0 <= x < P_INT and 0 <= y < P_INT):
        return False
    return (y * y - x * x * x - 3) % P_INT == 0


def validate_points(points: Sequence[Point]) -> bool:
    """True when every point is None or canonical and on the curve (checked in one kernel)."""
    if len(points) == 0:
        return True
    try:
        raw, inf = points_to_raw(points)
    except ValueError:
        return False
    _, bad = raw_to_mont(raw, inf, True)
    return bool(bad < 0)


def msm(
    points: Sequence[Point],
    scalars: Sequence[int],
    window: int | None = None,
    algorithm: str | None = None,
    threads: int = 1,
) -> Point:
    """sum_i scalars[i] * points[i].

    By default the algorithm (Straus for few points, bucket methods for many) and
    the window width are chosen from n; ``algorithm`` ("straus-glv", "straus",
    "buckets", "batch-affine") and ``window`` (2..16; for Straus the NAF width, 2..8) override them, for tests and
    tuning.  ``threads`` > 1 splits a large MSM over that many threads (the kernels
    release the GIL).
    """
    c, method = variable_plan(max(1, len(points) // max(1, threads)))
    if algorithm is not None:
        if algorithm not in METHODS:
            raise ValueError(f"unknown algorithm {algorithm!r}")
        method = METHODS[algorithm]
    if window is not None:
        c = window
    if not 2 <= c <= MAX_WINDOW[method]:
        raise ValueError("window out of range")
    return _fused(_NO_FIXED, points, scalars, threads, (c, method))


_HUGE_PAGE = 1 << 21
_HUGE_MIN = 8 * _HUGE_PAGE


def _on_huge_pages(table: Arr) -> Arr:
    """``table`` copied into anonymous memory advised for transparent huge pages (ADR 0053).

    A verification reads ~3700 rows spread over the 62 MB generator table, one 4 KB
    page each: after other work has evicted the TLB and the page tables from the caches
    (the benchmark runs the reference verifier in between) every row costs a page walk.
    With 2 MB pages the table is ~31 pages. Where the platform has no ``madvise`` or
    the kernel no THP, or for small tables, the array is returned as it is; the values
    are the same either way.
    """
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    anonymous = getattr(mmap, "MAP_ANONYMOUS", None)
    if advice is None or anonymous is None or table.nbytes < _HUGE_MIN:
        return table
    try:  # private: shared anonymous memory is shmem, which THP leaves alone by default
        region = mmap.mmap(-1, table.nbytes + _HUGE_PAGE, flags=mmap.MAP_PRIVATE | anonymous)
        region.madvise(advice)
    except (OSError, ValueError):
        return table
    raw = np.frombuffer(region, dtype=np.uint8)
    start = (-raw.ctypes.data) % _HUGE_PAGE
    out = raw[start : start + table.nbytes].view(table.dtype).reshape(table.shape)
    out[...] = table
    return out  # the array keeps the mmap alive (its buffer's base)


class FixedBaseMSM:
    """MSM over a fixed list of bases with a precomputed table of 2**(c*k) * B_i.

    Build once per process (e.g. for g, h, gs[..], hs[..]) and call many times;
    the instance is read-only after construction and safe to share between threads.
    """

    def __init__(
        self,
        bases: Sequence[Point],
        window: int | None = None,
        batch_affine: bool | None = None,
        full: bool = False,
    ) -> None:
        """Validate ``bases`` (ValueError if one is off the curve) and build the table.

        ``window`` and ``batch_affine`` override the cost model's choice. ``full``
        builds the table of every window multiple (ADR 0046; window 9 unless given,
        ``n * 29 * 256`` points): no buckets, the terms are summed as a tree.
        """
        c, affine = fixed_plan(len(bases))
        if full:
            c = FULL_WINDOW
        if window is not None:
            c = window
        if batch_affine is not None:
            affine = batch_affine
        if not 2 <= c <= (10 if full else 16):
            raise ValueError("window out of range")
        self.batch_affine = affine
        self.full = full
        self.bases: tuple[Point, ...] = tuple(bases)
        self.window = c
        self.nwin = num_windows(c)
        pts, inf = _prepare(self.bases, True)
        self._inf = inf
        if full:
            self._mode = FIXED_TREE
            self._per_base = self.nwin << (c - 1)
            self._table = _on_huge_pages(build_full_table(pts, inf, c, self.nwin))
        else:
            self._mode = FIXED_AFFINE if affine else FIXED_BUCKETS
            self._per_base = self.nwin
            self._table = build_table(pts, inf, c, self.nwin)

    def __len__(self) -> int:
        return len(self.bases)

    def operands(self, scalars: Sequence[int] | Arr) -> _Fixed:
        """Kernel operands for ``scalars`` (at most len(self) of them; missing ones are 0).

        ``scalars`` may also be an ``(k, 4)`` uint64 array of 64-bit words of scalars
        already reduced mod r (as ``zkp.fast.scalar_kernels`` produces them).
        """
        if len(scalars) > len(self.bases):
            raise ValueError("more scalars than fixed bases")
        limbs = np.zeros((len(self.bases), 8), dtype=np.uint64)
        if isinstance(scalars, np.ndarray):
            words = np.ascontiguousarray(scalars, dtype="<u8")
            limbs[: len(scalars)] = words.view("<u4").reshape(len(scalars), 8)
        else:
            limbs[: len(scalars)] = scalars_to_limbs(scalars)
        digits = recode_signed(limbs, self.window, self.nwin)
        return _Fixed(self._table, self._inf, digits, self.window, self._mode, self._per_base)

    def __call__(self, scalars: Sequence[int], threads: int = 1) -> Point:
        """sum_i scalars[i] * bases[i]; scalars may be shorter than the bases."""
        return _fused(self.operands(scalars), (), (), threads, (2, METHODS["straus"]))


def msm_mixed(
    fixed: FixedBaseMSM,
    fixed_scalars: Sequence[int],
    var_points: Sequence[Point],
    var_scalars: Sequence[int],
    threads: int = 1,
) -> Point:
    """fixed(fixed_scalars) + msm(var_points, var_scalars) in one fused kernel call per thread."""
    plan = variable_plan(max(1, len(var_points) // max(1, threads)))
    return _fused(fixed.operands(fixed_scalars), var_points, var_scalars, threads, plan)


def msm_many(jobs: Sequence[tuple[Sequence[Point], Sequence[int]]]) -> list[Point]:
    """[msm(points, scalars) for each job], for many small independent MSMs.

    One kernel call runs every job with GLV-Straus; the point tables of all jobs
    share one field inversion and all results another, which saves most of the
    fixed per-call cost of ``msm`` for jobs of a few points.  Meant for jobs of up
    to a few dozen points (e.g. the commitments a verifier recomputes before one
    challenge); large MSMs belong in ``msm``.
    """
    if not jobs:
        return []
    points: list[Point] = []
    scalars: list[int] = []
    bounds = np.zeros(len(jobs) + 1, dtype=np.int64)
    for q, (pts_q, ks_q) in enumerate(jobs):
        if len(pts_q) != len(ks_q):
            raise ValueError(f"job {q}: points and scalars differ in length")
        points.extend(pts_q)
        scalars.extend(ks_q)
        bounds[q + 1] = len(points)
    w = variable_plan(max(1, int(np.max(np.diff(bounds)))))[0]
    w = min(w, MAX_WINDOW[METHODS["straus-glv"]])
    pts, inf = _prepare(points, False)
    naf, signs = glv_digits(scalars, w)
    out = np.empty((3 * len(jobs), NLIMBS), dtype=np.uint64)
    which = np.arange(len(points), dtype=np.int64)
    straus_glv_many(pts, inf, which, naf, signs, w, bounds, out)
    result: list[Point] = []
    for q in range(len(jobs)):
        if out[3 * q + 2, 0] == 0:
            result.append(None)
        else:
            result.append((limbs_to_int(out[3 * q]), limbs_to_int(out[3 * q + 1])))
    return result


_MANY_MAX_JOB = 48


@dataclass(frozen=True)
class ManyPlan:
    """Kernel operands of :func:`many_rows` that depend only on the jobs' point indices
    (a verifier's layout): one table per distinct point (``sel``), each term's point
    (``which``), job bounds and the NAF width."""

    which: npt.NDArray[np.int64]
    sel: npt.NDArray[np.int64]
    bounds: npt.NDArray[np.int64]
    w: int


def many_plan(job_ids: Sequence[Sequence[int]]) -> ManyPlan | None:
    """The :class:`ManyPlan` of jobs with these point indices; None if a job has more
    than ``_MANY_MAX_JOB`` points (those run through the planned variable-base MSM)."""
    if any(len(ids) > _MANY_MAX_JOB for ids in job_ids):
        return None
    slot: dict[int, int] = {}
    which = [slot.setdefault(i, len(slot)) for ids in job_ids for i in ids]
    bounds = np.zeros(len(job_ids) + 1, dtype=np.int64)
    bounds[1:] = np.cumsum([len(ids) for ids in job_ids])
    w = variable_plan(max([1, *[len(ids) for ids in job_ids]]))[0]
    return ManyPlan(
        np.array(which, dtype=np.int64),
        np.fromiter(slot, dtype=np.int64, count=len(slot)),
        bounds,
        min(w, MAX_WINDOW[METHODS["straus-glv"]]),
    )


def many_rows_planned(
    pts: Arr, inf: Flags, plan: ManyPlan, scalars: Sequence[int]
) -> list[bytes | None]:
    """:func:`many_rows` for jobs of at most ``_MANY_MAX_JOB`` points given by their
    :class:`ManyPlan` and all terms' scalars, job after job (any ints; reduced mod r)."""
    k = plan.bounds.shape[0] - 1
    if len(scalars) != plan.which.shape[0]:
        raise ValueError("scalars and planned terms differ in length")
    rows = pts.reshape(-1, 2, NLIMBS)
    naf, signs = glv_digits(scalars, plan.w)
    res = np.empty((3 * k, NLIMBS), dtype=np.uint64)
    sub = rows[plan.sel].reshape(-1, NLIMBS)
    straus_glv_many(sub, inf[plan.sel], plan.which, naf, signs, plan.w, plan.bounds, res)
    enc = res[:, ::-1].astype(">u8").tobytes()
    return [enc[96 * j : 96 * j + 64] if res[3 * j + 2, 0] != 0 else None for j in range(k)]


def many_rows(
    pts: Arr, inf: Flags, jobs: Sequence[tuple[Sequence[int], Sequence[int]]]
) -> list[bytes | None]:
    """Like :func:`msm_many`, for points already loaded (rows of ``pts``/``inf``).

    Each job is (point indices, scalars). Results are 64-byte big-endian ``x || y``
    encodings (what a transcript hashes), None for the identity. Jobs of up to
    ``_MANY_MAX_JOB`` points share one GLV-Straus kernel call (one table per distinct
    point, ADR 0053); larger ones run through the planned variable-base MSM each.
    """
    for q, (ids, ks) in enumerate(jobs):
        if len(ids) != len(ks):
            raise ValueError(f"job {q}: points and scalars differ in length")
    rows = pts.reshape(-1, 2, NLIMBS)
    small = [q for q, (ids, _) in enumerate(jobs) if len(ids) <= _MANY_MAX_JOB]
    out: list[bytes | None] = [None] * len(jobs)
    if small:
        plan = many_plan([jobs[q][0] for q in small])
        assert plan is not None
        scalars = [k for q in small for k in jobs[q][1]]
        for q, r in zip(small, many_rows_planned(pts, inf, plan, scalars), strict=True):
            out[q] = r
    for q, (ids, ks) in enumerate(jobs):
        if len(ids) > _MANY_MAX_JOB:
            sel = np.array(ids, dtype=np.int64)
            plan2 = variable_plan(len(ids))
            acc = _fused_arrays(_NO_FIXED, rows[sel].reshape(-1, NLIMBS), inf[sel], ks, 1, plan2)
            pt = _to_point(acc)
            if pt is not None:
                out[q] = pt[0].to_bytes(32, "big") + pt[1].to_bytes(32, "big")
    return out


def warm_up() -> None:
    """Compile (or load from the on-disk cache) every kernel by running each once."""
    g = (1, 2)
    g2 = (
        1368015179489954701390400359078579693043519447331113978918064868415326638035,
        9918110051302171585080402603319702774565515993150576347155970296011118125764,
    )
    for affine in (False, True):
        fb = FixedBaseMSM([g, None, g2], window=4, batch_affine=affine)
        fb([1, 0, 5])
        msm_mixed(fb, [2], [g2], [7])
    fb = FixedBaseMSM([g, None, g2], window=3, full=True)
    fb([1, 0, 5])
    msm_mixed(fb, [2], [g2], [7])
    for algorithm in METHODS:
        msm([g, None, g2, g], [3, 1, 0, -3], algorithm=algorithm)
    validate_points([g, None])
    msm_many([([g], [2]), ([], []), ([g, g2], [1, -1])])
    blob, kinds = encode_points([g, None, g2])
    buf = np.frombuffer(blob + bytes(64), dtype=np.uint8)
    offsets = np.arange(0, 256, 64, dtype=np.int64)
    pts, inf, _ = load_points(buf, offsets, np.array([*kinds, PROOF], dtype=np.uint8))
    many_rows(pts, inf, [([0, 2], [3, 4]), ([3], [1])])
    scalar_kernels.warm_up()
    replay.replay([1, 2], [3, 4], [(pts[:4], inf[:2])], True)
