"""Conversions between Python integers / affine points and limb arrays.

Batch conversions go through one ``bytes`` buffer and ``numpy.frombuffer`` so the
per-element Python cost is one ``int.to_bytes`` call (ADR 0040).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import index

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.curve import jac_is_inf, ld_jac, on_curve
from zkp.fast.field import NLIMBS, R_INT, from_mont, geq_p, ld, st, to_mont

Point = tuple[int, int] | None
Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]

_ZERO64 = bytes(64)


def scalars_to_limbs(scalars: Sequence[int]) -> Arr:
    """Reduce each scalar mod r and return an ``(n, 8)`` array of plain 32-bit limbs.

    Scalars are ints or integer-like (``operator.index``: numpy ints, bool); anything
    else (floats, strings) raises ``TypeError``.
    """
    try:
        buf = b"".join((index(s) % R_INT).to_bytes(32, "little") for s in scalars)
    except (TypeError, AttributeError) as exc:
        raise TypeError("scalars must be Python ints") from exc
    return np.frombuffer(buf, dtype="<u4").astype(np.uint64).reshape(len(scalars), 8)


def points_to_raw(points: Sequence[Point]) -> tuple[Arr, Flags]:
    """Pack affine points into a ``(2n, NLIMBS)`` plain-word array plus ``(n,)`` infinity flags.

    Raises ``ValueError`` for a point that is not ``None`` or a pair of ints in
    ``[0, 2**256)``; the range ``[p, 2**256)`` is rejected later by ``raw_to_mont``.
    """
    n = len(points)
    inf = np.zeros(n, dtype=np.uint8)
    parts: list[bytes] = []
    for i, pt in enumerate(points):
        if pt is None:
            inf[i] = 1
            parts.append(_ZERO64)
            continue
        try:
            x, y = pt
            parts.append(index(x).to_bytes(32, "little") + index(y).to_bytes(32, "little"))
        except (TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ValueError(f"point {i} is not None or a pair of ints in [0, p)") from exc
    raw = np.frombuffer(b"".join(parts), dtype="<u8").astype(np.uint64).reshape(2 * n, NLIMBS)
    return raw, inf


@kernel
def raw_to_mont(raw: Arr, inf: Flags, check_curve: bool) -> tuple[Arr, np.int64]:
    """Montgomery form of raw points; returns (points, index of first bad point or -1).

    A point is bad when a coordinate is >= p or, with ``check_curve``, when it is
    not on y**2 = x**3 + 3.  Infinite points are left as zero rows.
    """
    n = inf.shape[0]
    out = np.zeros((2 * n, NLIMBS), dtype=np.uint64)
    for i in range(n):
        if inf[i] != 0:
            continue
        x = ld(raw, 2 * i)
        y = ld(raw, 2 * i + 1)
        if geq_p(x) or geq_p(y):
            return out, np.int64(i)
        xm = to_mont(x)
        ym = to_mont(y)
        if check_curve and not on_curve(xm, ym):
            return out, np.int64(i)
        st(out, 2 * i, xm)
        st(out, 2 * i + 1, ym)
    return out, np.int64(-1)


@kernel
def jac_to_plain(acc: Arr, out: Arr) -> bool:
    """out (3, NLIMBS) = plain (X, Y, Z) of the Jacobian point in acc (3, NLIMBS); True if infinity.

    The caller inverts Z with Python's ``pow(Z, -1, p)``, several times faster than
    a Fermat inversion in limbs.
    """
    p = ld_jac(acc, 0)
    if jac_is_inf(p):
        return True
    st(out, 0, from_mont(p[0]))
    st(out, 1, from_mont(p[1]))
    st(out, 2, from_mont(p[2]))
    return False
