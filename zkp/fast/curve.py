"""BN254 G1 point arithmetic in Jacobian coordinates (numba kernels on limb tuples).

A Jacobian point ``Jac`` is a tuple ``(X, Y, Z)`` of field elements in Montgomery
form representing the affine point ``(X/Z**2, Y/Z**3)``; ``Z == 0`` is the point
at infinity.  The curve is y**2 = x**3 + 3 (a = 0), so the a = 0 formulas of the
Explicit-Formulas Database apply: dbl-2009-l, madd-2007-bl, add-2007-bl, with
the cases the formulas miss (infinity, P + P, P + (-P)) handled explicitly.
Storage: an array of n Jacobian points is ``(3n, NLIMBS)``, of n affine points ``(2n, NLIMBS)``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.field import (
    FE_B,
    FE_ONE,
    FE_ZERO,
    Fe,
    add,
    eq,
    inv,
    is_zero,
    ld,
    mul,
    neg,
    sqr,
    st,
    sub,
)

Jac = tuple[Fe, Fe, Fe]
Arr = npt.NDArray[np.uint64]


@kernel
def jac_inf() -> Jac:
    """The point at infinity (1, 1, 0)."""
    return (FE_ONE, FE_ONE, FE_ZERO)


@kernel
def jac_is_inf(p: Jac) -> bool:
    """True when p is the point at infinity."""
    return is_zero(p[2])


@kernel
def jac_double(p: Jac) -> Jac:
    """2p (dbl-2009-l; infinity doubles to infinity because Z3 = 2*Y*Z)."""
    x, y, z = p
    a = sqr(x)
    b = sqr(y)
    c = sqr(b)
    d = sub(sub(sqr(add(x, b)), a), c)
    d = add(d, d)
    e = add(add(a, a), a)
    z3 = mul(y, z)
    z3 = add(z3, z3)
    x3 = sub(sub(sqr(e), d), d)
    c = add(c, c)
    c = add(c, c)
    c = add(c, c)
    y3 = sub(mul(e, sub(d, x3)), c)
    return (x3, y3, z3)


@kernel
def jac_add_affine(p: Jac, qx: Fe, qy: Fe) -> Jac:
    """p + (qx, qy) for a finite affine point q (madd-2007-bl)."""
    x1, y1, z1 = p
    if is_zero(z1):
        return (qx, qy, FE_ONE)
    z1z1 = sqr(z1)
    u2 = mul(qx, z1z1)
    s2 = mul(mul(qy, z1), z1z1)
    h = sub(u2, x1)
    r = sub(s2, y1)
    if is_zero(h):
        if is_zero(r):
            return jac_double(p)
        return jac_inf()
    hh = sqr(h)
    i = add(hh, hh)
    i = add(i, i)
    j = mul(h, i)
    r = add(r, r)
    v = mul(x1, i)
    x3 = sub(sub(sub(sqr(r), j), v), v)
    yj = mul(y1, j)
    y3 = sub(mul(r, sub(v, x3)), add(yj, yj))
    z3 = sub(sub(sqr(add(z1, h)), z1z1), hh)
    return (x3, y3, z3)


@kernel
def jac_add(p: Jac, q: Jac) -> Jac:
    """p + q for Jacobian p and q (add-2007-bl)."""
    x1, y1, z1 = p
    x2, y2, z2 = q
    if is_zero(z1):
        return q
    if is_zero(z2):
        return p
    z1z1 = sqr(z1)
    z2z2 = sqr(z2)
    u1 = mul(x1, z2z2)
    u2 = mul(x2, z1z1)
    s1 = mul(mul(y1, z2), z2z2)
    s2 = mul(mul(y2, z1), z1z1)
    h = sub(u2, u1)
    r = sub(s2, s1)
    if is_zero(h):
        if is_zero(r):
            return jac_double(p)
        return jac_inf()
    i = add(h, h)
    i = sqr(i)
    j = mul(h, i)
    r = add(r, r)
    v = mul(u1, i)
    x3 = sub(sub(sub(sqr(r), j), v), v)
    sj = mul(s1, j)
    y3 = sub(mul(r, sub(v, x3)), add(sj, sj))
    z3 = mul(sub(sub(sqr(add(z1, z2)), z1z1), z2z2), h)
    return (x3, y3, z3)


@kernel
def jac_mul_small(p: Jac, k: int) -> Jac:
    """k * p for a small non-negative int k (left-to-right double-and-add)."""
    if k <= 0:
        return jac_inf()
    top = 0
    while (k >> (top + 1)) != 0:
        top += 1
    acc = p
    for i in range(top - 1, -1, -1):
        acc = jac_double(acc)
        if (k >> i) & 1:
            acc = jac_add(acc, p)
    return acc


@kernel
def jac_neg(p: Jac) -> Jac:
    """-p."""
    return (p[0], neg(p[1]), p[2])


@kernel
def jac_to_affine(p: Jac) -> tuple[Fe, Fe]:
    """(x, y) in Montgomery form of a finite Jacobian point (one inversion)."""
    zi = inv(p[2])
    zi2 = sqr(zi)
    return mul(p[0], zi2), mul(p[1], mul(zi2, zi))


@kernel
def on_curve(x: Fe, y: Fe) -> bool:
    """True when the affine Montgomery point (x, y) satisfies y**2 = x**3 + 3."""
    return eq(sqr(y), add(mul(sqr(x), x), FE_B))


@kernel
def ld_jac(arr: Arr, i: int) -> Jac:
    """Jacobian point i of a (3n, NLIMBS) array."""
    return (ld(arr, 3 * i), ld(arr, 3 * i + 1), ld(arr, 3 * i + 2))


@kernel
def st_jac(arr: Arr, i: int, p: Jac) -> None:
    """Store Jacobian point p as point i of a (3n, NLIMBS) array."""
    st(arr, 3 * i, p[0])
    st(arr, 3 * i + 1, p[1])
    st(arr, 3 * i + 2, p[2])
