"""BN254 G1 helpers on affine integer points (``None`` is the point at infinity).

Encoding follows the Ethereum precompiles: 64 bytes ``x || y`` big-endian, the
all-zero word pair meaning infinity. :func:`decode_point` checks the coordinates are
below ``P`` and the point is on ``y^2 = x^3 + 3``.
"""

from __future__ import annotations

from zkp.errors import ProofFormatError
from zkp.msm import Point
from zkp.reference.field import P, Q


def is_on_curve(pt: Point) -> bool:
    """True for infinity or an affine point with reduced coordinates on the curve."""
    if pt is None:
        return True
    x, y = pt
    return 0 <= x < P and 0 <= y < P and (y * y - x * x * x - 3) % P == 0


def encode_point(pt: Point) -> bytes:
    """64-byte precompile encoding."""
    if pt is None:
        return bytes(64)
    return pt[0].to_bytes(32, "big") + pt[1].to_bytes(32, "big")


def decode_point(data: bytes, what: str = "point") -> Point:
    """Decode 64 bytes into a point, raising :class:`ProofFormatError` when invalid."""
    if len(data) != 64:
        raise ProofFormatError(f"{what}: expected 64 bytes, got {len(data)}")
    x = int.from_bytes(data[:32], "big")
    y = int.from_bytes(data[32:], "big")
    if x == 0 and y == 0:
        return None
    if x >= P or y >= P:
        raise ProofFormatError(f"{what}: coordinate not below the field modulus")
    pt = (x, y)
    if not is_on_curve(pt):
        raise ProofFormatError(f"{what}: not on the BN254 curve")
    return pt


def neg(pt: Point) -> Point:
    """``-pt``."""
    return None if pt is None else (pt[0], (-pt[1]) % P)


def add(a: Point, b: Point) -> Point:
    """Affine addition with integer arithmetic."""
    if a is None:
        return b
    if b is None:
        return a
    (x1, y1), (x2, y2) = a, b
    if x1 == x2:
        if (y1 + y2) % P == 0:
            return None
        lam = 3 * x1 * x1 * pow(2 * y1, -1, P) % P
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (lam * lam - x1 - x2) % P
    return (x3, (lam * (x1 - x3) - y1) % P)


def mul(pt: Point, k: int) -> Point:
    """Scalar multiplication by double-and-add on Jacobian integer coordinates."""
    k %= Q
    if pt is None or k == 0:
        return None
    rx, ry, rz = 0, 1, 0
    px, py = pt
    for bit in bin(k)[2:]:
        rx, ry, rz = _jdouble(rx, ry, rz)
        if bit == "1":
            rx, ry, rz = _jadd_affine(rx, ry, rz, px, py)
    if rz == 0:
        return None
    zi = pow(rz, -1, P)
    zi2 = zi * zi % P
    return (rx * zi2 % P, ry * zi2 * zi % P)


def _jdouble(x: int, y: int, z: int) -> tuple[int, int, int]:
    if z == 0 or y == 0:
        return 0, 1, 0
    ysq = y * y % P
    s = 4 * x * ysq % P
    m = 3 * x * x % P
    nx = (m * m - 2 * s) % P
    ny = (m * (s - nx) - 8 * ysq * ysq) % P
    return nx, ny, 2 * y * z % P


def _jadd_affine(x: int, y: int, z: int, ax: int, ay: int) -> tuple[int, int, int]:
    if z == 0:
        return ax, ay, 1
    z2 = z * z % P
    u2 = ax * z2 % P
    s2 = ay * z2 * z % P
    if u2 == x:
        if s2 == y:
            return _jdouble(x, y, z)
        return 0, 1, 0
    h = (u2 - x) % P
    r = (s2 - y) % P
    h2 = h * h % P
    h3 = h * h2 % P
    nx = (r * r - h3 - 2 * x * h2) % P
    ny = (r * (x * h2 - nx) - y * h3) % P
    return nx, ny, h * z % P
