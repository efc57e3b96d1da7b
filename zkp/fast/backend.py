"""The fast backend behind the :class:`zkp.msm.MSM` seam, with generator tables (ADR 0050).

:class:`FastBackend` is a drop-in ``msm(points, scalars)`` for the verifiers and
provers. Points that are one of its fixed bases (by default the protocol generators
``g, h, gs[0..63], hs[0..63]``) are routed to a :class:`~zkp.fast.msm.FixedBaseMSM`
table built once per process; the rest go through the variable-base kernels, fused
into the same kernel call by :func:`~zkp.fast.msm.msm_mixed`. ``many`` runs several
small independent MSMs in one kernel call (``msm_many``); code that knows it has a
batch of small MSMs (Σ commitments, the compat point FFTs) looks for it with
:func:`zkp.msm.many_of`. ``verify_transfer``/``verify_burn`` let ``zkp.api`` run the
flattened fast verifiers of ``zkp.fast.verifier`` (ADR 0045).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from zkp.fast.msm import FixedBaseMSM, Point, msm, msm_many, msm_mixed
from zkp.msm import Jobs
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.verdict import Verdict


class FastBackend:
    """``msm(points, scalars)`` on numba kernels, fixed bases served from a table."""

    def __init__(self, bases: Sequence[Point], full: bool = False) -> None:
        """Build the table for ``bases`` (affine points, no infinity, no repeats).

        ``full``: the table of every window multiple (ADR 0046), larger and faster.
        """
        self.bases: tuple[Point, ...] = tuple(bases)
        self.index: dict[Point, int] = {p: i for i, p in enumerate(self.bases)}
        if None in self.index or len(self.index) != len(self.bases):
            raise ValueError("fixed bases must be distinct affine points")
        self.table = FixedBaseMSM(self.bases, full=full)

    def __call__(self, points: Sequence[Point], scalars: Sequence[int]) -> Point:
        """``Σ scalars[i]·points[i]``; ``None`` iff the sum is the identity."""
        if len(points) != len(scalars):
            raise ValueError("points and scalars differ in length")
        fixed: list[int] = []
        var_p: list[Point] = []
        var_k: list[int] = []
        index = self.index
        for p, k in zip(points, scalars, strict=True):
            if p is None:
                continue
            i = index.get(p)
            if i is None:
                var_p.append(p)
                var_k.append(k)
                continue
            if i >= len(fixed):
                fixed.extend([0] * (i + 1 - len(fixed)))
            fixed[i] += k
        if not fixed:
            return msm(var_p, var_k) if var_p else None
        return msm_mixed(self.table, fixed, var_p, var_k)

    def many(self, jobs: Jobs) -> list[Point]:
        """``[msm(points, scalars) for each job]`` in one kernel call."""
        return msm_many(jobs)

    def verify_transfer(self, st: TransferStatement, proof: bytes, mode: str) -> Verdict:
        """The reference verdict via the flattened fast verifiers (``zkp.fast.verifier``)."""
        from zkp.fast import verifier

        return verifier.verify_transfer(st, proof, mode)

    def verify_burn(self, st: BurnStatement, proof: bytes, mode: str) -> Verdict:
        """The reference verdict for a burn, on this backend (``zkp.fast.verifier``)."""
        from zkp.fast import verifier

        return verifier.verify_burn(st, proof, mode)


@cache
def fast_backend() -> FastBackend:
    """The per-process backend with tables for ``g, h, gs[..], hs[..]`` (built on first use).

    The generator table holds every window multiple (ADR 0046): 62 MB, built once (~0.6 s).
    """
    from zkp.reference import generators as gen

    return FastBackend([gen.g(), gen.h(), *gen.gs(), *gen.hs()], full=True)
