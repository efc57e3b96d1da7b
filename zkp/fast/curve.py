"""BN254 G1 point arithmetic in Jacobian coordinates (numba kernels).

A Jacobian point is a ``(3, 8)`` uint64 array ``(X, Y, Z)`` in Montgomery form
representing the affine point ``(X/Z**2, Y/Z**3)``; ``Z == 0`` is the point at
infinity.  An affine point is a ``(2, 8)`` array ``(x, y)``; affine inputs carry
infinity as a separate flag.  Every kernel accepts an ``out`` that aliases its
inputs and takes a scratch array ``tmp`` of at least ``TMP_ROWS`` rows.
The curve is y**2 = x**3 + 3 (a = 0), so the a = 0 formulas apply
(dbl-2009-l, madd-2007-bl, add-2007-bl from the Explicit-Formulas Database).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.field import (
    MONT_B,
    fp_add,
    fp_copy,
    fp_eq,
    fp_is_zero,
    fp_mul,
    fp_neg,
    fp_set_one,
    fp_set_zero,
    fp_sub,
)

Arr = npt.NDArray[np.uint64]

TMP_ROWS = 10


@kernel
def jac_set_inf(out: Arr) -> None:
    """out = point at infinity (1, 1, 0)."""
    fp_set_one(out[0])
    fp_set_one(out[1])
    fp_set_zero(out[2])


@kernel
def jac_is_inf(p: Arr) -> bool:
    """True when p is the point at infinity."""
    return fp_is_zero(p[2])


@kernel
def jac_from_affine(q: Arr, out: Arr) -> None:
    """out = (x, y, 1) for a finite affine point q."""
    fp_copy(q[0], out[0])
    fp_copy(q[1], out[1])
    fp_set_one(out[2])


@kernel
def jac_double(p: Arr, out: Arr, tmp: Arr) -> None:
    """out = 2p (dbl-2009-l; infinity doubles to infinity since Z3 = 2*Y*Z)."""
    a = tmp[0]
    b = tmp[1]
    c = tmp[2]
    d = tmp[3]
    e = tmp[4]
    f = tmp[5]
    fp_mul(p[0], p[0], a)
    fp_mul(p[1], p[1], b)
    fp_mul(b, b, c)
    fp_add(p[0], b, d)
    fp_mul(d, d, d)
    fp_sub(d, a, d)
    fp_sub(d, c, d)
    fp_add(d, d, d)
    fp_add(a, a, e)
    fp_add(e, a, e)
    fp_mul(e, e, f)
    fp_mul(p[1], p[2], out[2])
    fp_add(out[2], out[2], out[2])
    fp_sub(f, d, out[0])
    fp_sub(out[0], d, out[0])
    fp_sub(d, out[0], d)
    fp_mul(e, d, d)
    fp_add(c, c, c)
    fp_add(c, c, c)
    fp_add(c, c, c)
    fp_sub(d, c, out[1])


@kernel
def jac_add_affine(p: Arr, q: Arr, out: Arr, tmp: Arr) -> None:
    """out = p + q for Jacobian p and finite affine q (madd-2007-bl with edge cases)."""
    if fp_is_zero(p[2]):
        jac_from_affine(q, out)
        return
    z1z1 = tmp[0]
    u2 = tmp[1]
    s2 = tmp[2]
    hh = tmp[3]
    i4 = tmp[4]
    j = tmp[5]
    z3 = tmp[6]
    fp_mul(p[2], p[2], z1z1)
    fp_mul(q[0], z1z1, u2)
    fp_mul(q[1], p[2], s2)
    fp_mul(s2, z1z1, s2)
    h = u2
    fp_sub(u2, p[0], h)
    if fp_is_zero(h):
        if fp_eq(s2, p[1]):
            jac_double(p, out, tmp)
        else:
            jac_set_inf(out)
        return
    fp_mul(h, h, hh)
    fp_add(hh, hh, i4)
    fp_add(i4, i4, i4)
    fp_mul(h, i4, j)
    r = s2
    fp_sub(s2, p[1], r)
    fp_add(r, r, r)
    v = i4
    fp_mul(p[0], i4, v)
    fp_add(p[2], h, z3)
    fp_mul(z3, z3, z3)
    fp_sub(z3, z1z1, z3)
    fp_sub(z3, hh, z3)
    x3 = z1z1
    fp_mul(r, r, x3)
    fp_sub(x3, j, x3)
    fp_sub(x3, v, x3)
    fp_sub(x3, v, x3)
    fp_sub(v, x3, v)
    fp_mul(r, v, v)
    fp_mul(p[1], j, j)
    fp_add(j, j, j)
    fp_sub(v, j, out[1])
    fp_copy(x3, out[0])
    fp_copy(z3, out[2])


@kernel
def jac_add(p: Arr, q: Arr, out: Arr, tmp: Arr) -> None:
    """out = p + q for Jacobian p, q (add-2007-bl with infinity/equal/opposite cases)."""
    if fp_is_zero(p[2]):
        for k in range(3):
            fp_copy(q[k], out[k])
        return
    if fp_is_zero(q[2]):
        for k in range(3):
            fp_copy(p[k], out[k])
        return
    z1z1 = tmp[0]
    z2z2 = tmp[1]
    u1 = tmp[2]
    u2 = tmp[3]
    s1 = tmp[4]
    s2 = tmp[5]
    i = tmp[6]
    j = tmp[7]
    z3 = tmp[8]
    fp_mul(p[2], p[2], z1z1)
    fp_mul(q[2], q[2], z2z2)
    fp_mul(p[0], z2z2, u1)
    fp_mul(q[0], z1z1, u2)
    fp_mul(p[1], q[2], s1)
    fp_mul(s1, z2z2, s1)
    fp_mul(q[1], p[2], s2)
    fp_mul(s2, z1z1, s2)
    h = u2
    fp_sub(u2, u1, h)
    if fp_is_zero(h):
        if fp_eq(s1, s2):
            jac_double(p, out, tmp)
        else:
            jac_set_inf(out)
        return
    fp_add(h, h, i)
    fp_mul(i, i, i)
    fp_mul(h, i, j)
    r = s2
    fp_sub(s2, s1, r)
    fp_add(r, r, r)
    v = i
    fp_mul(u1, i, v)
    fp_add(p[2], q[2], z3)
    fp_mul(z3, z3, z3)
    fp_sub(z3, z1z1, z3)
    fp_sub(z3, z2z2, z3)
    fp_mul(z3, h, z3)
    x3 = z1z1
    fp_mul(r, r, x3)
    fp_sub(x3, j, x3)
    fp_sub(x3, v, x3)
    fp_sub(x3, v, x3)
    fp_sub(v, x3, v)
    fp_mul(r, v, v)
    fp_mul(s1, j, j)
    fp_add(j, j, j)
    fp_sub(v, j, out[1])
    fp_copy(x3, out[0])
    fp_copy(z3, out[2])


@kernel
def affine_neg(q: Arr, out: Arr) -> None:
    """out = -q for an affine point (x, -y)."""
    fp_copy(q[0], out[0])
    fp_neg(q[1], out[1])


@kernel
def affine_on_curve(q: Arr, tmp: Arr) -> bool:
    """True when the affine Montgomery point (x, y) satisfies y**2 = x**3 + 3."""
    lhs = tmp[0]
    rhs = tmp[1]
    fp_mul(q[1], q[1], lhs)
    fp_mul(q[0], q[0], rhs)
    fp_mul(rhs, q[0], rhs)
    fp_add(rhs, MONT_B, rhs)
    return fp_eq(lhs, rhs)
