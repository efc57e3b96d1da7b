"""The one-out-of-many machinery of Anonymous Zether (verifier side).

From the responses ``f`` and challenge ``w`` the verifier forms, for each of the two
hidden indices (sender j=0, receiver j=1), the vector ``r[j][i] = Π_t f_{bit_t(i)}[j m + t]``
(``ZetherVerifier.assemblePolynomials``) and the re-randomised aggregates ``CLnR``,
``CRnR``, ``CR[0][0]``, ``yR[0][0]``, ``DR``, ``gR``, ``C_XR``, ``y_XR``. The reference
contract evaluates the cyclic convolutions with FFTs over points; here each aggregate is
kept as explicit coefficients on the statement's points so that it is one MSM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from zkp.msm import Point
from zkp.reference import generators as gen
from zkp.reference.field import Q, evm_sub, powers
from zkp.reference.lincomb import Terms


def ring_vectors(f: Sequence[int], w: int, m: int) -> tuple[list[int], list[int]]:
    """``(r[0], r[1])``, each of length ``2^m``; ``f0 = w - f`` with the EVM's ``sub``."""
    f1 = [x % Q for x in f]
    f0 = [evm_sub(w, x) % Q for x in f]
    n = 1 << m
    rows = []
    for j in range(2):
        row = [1] * n
        for i in range(n):
            acc = 1
            for t in range(m):
                acc = acc * (f1 if (i >> t) & 1 else f0)[j * m + t] % Q
            row[i] = acc
        rows.append(row)
    return rows[0], rows[1]


def cross_coefficients(r0: Sequence[int], r1: Sequence[int], v: int) -> list[int]:
    """``X[l] = Σ_i v_i · r[i mod 2][(l - 2⌊i/2⌋) mod N]`` with ``v_i = 1, 1, v, v², ...``."""
    n = len(r0)
    vpow = [1] + powers(v, n - 1) if n > 1 else [1]
    out = [0] * n
    for i in range(n):
        row = r1 if i % 2 else r0
        shift = 2 * (i // 2)
        vi = vpow[i]
        for idx in range(n):
            out[idx] = (out[idx] + vi * row[(idx - shift) % n]) % Q
    return out


def recovery_terms(A: Point, B: Point, f: Sequence[int], w: int, z_A: int, m: int) -> Terms:
    """``w·B + A - Σ(f1 gs + f1 f0 hs) - f1[0] f1[m] hs[2m] - f0[0] f0[m] hs[2m+1] - z_A h``."""
    f1 = [x % Q for x in f]
    f0 = [evm_sub(w, x) % Q for x in f]
    t = Terms().add(B, w).add(A, 1)
    gs, hs = gen.gs(), gen.hs()
    for k in range(2 * m):
        t.add(gs[k], -f1[k]).add(hs[k], -f1[k] * f0[k])
    t.add(hs[2 * m], -f1[0] * f1[m]).add(hs[2 * m + 1], -f0[0] * f0[m])
    return t.add(gen.h(), -z_A)


@dataclass
class Aggregates:
    """The verifier's re-randomised aggregates, each symbolic."""

    CLnR: Terms
    CRnR: Terms
    CR00: Terms
    yR00: Terms
    DR: Terms
    gR: Terms
    C_XR: Terms
    y_XR: Terms
    w_m: int


def aggregates(
    CLn: Sequence[Point],
    CRn: Sequence[Point],
    C: Sequence[Point],
    D: Point,
    y: Sequence[Point],
    proof_parts: Mapping[str, Sequence[Point]],
    f: Sequence[int],
    v: int,
    w: int,
    fee: int,
) -> Aggregates:
    """Build the aggregates of ``ZetherVerifier.verify`` from the statement and proof."""
    m = len(proof_parts["CLnG"])
    r0, r1 = ring_vectors(f, w, m)
    cross = cross_coefficients(r0, r1, v)
    wp = powers(w, m + 1)
    neg_w = [(-x) % Q for x in wp[:m]]
    w_m = wp[m]

    def agg(base: Sequence[Point], coeffs: Sequence[int], name: str) -> Terms:
        return Terms().add_many(base, coeffs).add_many(proof_parts[name], neg_w)

    g = gen.g()
    c_xr = agg(C, cross, "C_XG").add(g, fee * w_m)
    return Aggregates(
        CLnR=agg(CLn, r0, "CLnG"),
        CRnR=agg(CRn, r0, "CRnG"),
        CR00=agg(C, r0, "C_0G"),
        yR00=agg(y, r0, "y_0G"),
        DR=agg([D], [w_m], "DG"),
        gR=agg([g], [w_m], "gG"),
        C_XR=c_xr,
        y_XR=agg(y, cross, "y_XG"),
        w_m=w_m,
    )
