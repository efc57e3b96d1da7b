"""Small helpers on affine integer points (``Point = tuple[int, int] | None``).

Conversions to and from py-ecc's ``optimized_bn128`` points (homogeneous
projective: x = X/Z, y = Y/Z), and exact
negation / addition in Python integers for the odd one-off operation where an
MSM call would be overkill (an addition costs one modular inverse, ~15 us).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from zkp.fast.convert import Point
from zkp.fast.field import P_INT


def from_py_ecc(pt: Sequence[Any]) -> Point:
    """Affine ints of a py-ecc optimized_bn128 point (X, Y, Z), x = X/Z (Z = 0: infinity)."""
    x, y, z = (int(c) for c in pt)
    if z % P_INT == 0:
        return None
    zi = pow(z, -1, P_INT)
    return x * zi % P_INT, y * zi % P_INT


def to_py_ecc(point: Point) -> tuple[Any, Any, Any]:
    """The py-ecc optimized_bn128 point (FQ(x), FQ(y), FQ(1)), or its infinity (1, 1, 0)."""
    from py_ecc.fields import optimized_bn128_FQ as FQ

    if point is None:
        return FQ(1), FQ(1), FQ(0)
    return FQ(point[0]), FQ(point[1]), FQ(1)


def point_neg(point: Point) -> Point:
    """-P."""
    if point is None:
        return None
    return point[0], (-point[1]) % P_INT


def point_add(a: Point, b: Point) -> Point:
    """a + b on y**2 = x**3 + 3 (exact affine formulas, all edge cases)."""
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2:
        if (y1 + y2) % P_INT == 0:
            return None
        lam = 3 * x1 * x1 * pow(2 * y1, -1, P_INT) % P_INT
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P_INT) % P_INT
    x3 = (lam * lam - x1 - x2) % P_INT
    return x3, (lam * (x1 - x3) - y1) % P_INT
