"""Points straight from their 64-byte encodings into Montgomery limbs (ADR 0045).

A proof's points are already in the bytes the transcript hashes (``x || y``, 32-byte
big-endian words, the precompile encoding). :func:`load_points` reads every point a
verification needs from one byte buffer in one kernel call: range check, curve
check and Montgomery conversion, without a Python integer per coordinate. The
statement's points are encoded once (:func:`encode_points`) and the same bytes serve
the statement hash and the loader.

Kinds per point: ``PROOF`` (all-zero bytes are the point at infinity, as
``decode_point`` has it), ``FINITE`` (all-zero bytes are invalid: the statement held
``(0, 0)``, which is off the curve) and ``NONE`` (infinity; the bytes are ignored).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from zkp.fast._jit import kernel
from zkp.fast.curve import on_curve
from zkp.fast.field import NLIMBS, Fe, geq_p, is_zero, st, to_mont

Arr = npt.NDArray[np.uint64]
Flags = npt.NDArray[np.uint8]
Bytes = npt.NDArray[np.uint8]
Index = npt.NDArray[np.int64]

PROOF = 0
FINITE = 1
NONE = 2
ZERO_POINT = bytes(64)


def encode_points(points: Iterable[tuple[int, int] | None]) -> tuple[bytes, list[int]]:
    """(``x || y`` big-endian encodings joined, kinds); raises for anything but int pairs.

    ``None`` encodes as 64 zero bytes (kind ``NONE``), as ``abi.encode`` and
    ``encode_point`` do.
    """
    parts: list[bytes] = []
    kinds: list[int] = []
    for pt in points:
        if pt is None:
            parts.append(ZERO_POINT)
            kinds.append(NONE)
        elif (
            isinstance(pt, tuple)
            and len(pt) == 2
            and isinstance(pt[0], int)
            and isinstance(pt[1], int)
        ):
            parts.append(pt[0].to_bytes(32, "big") + pt[1].to_bytes(32, "big"))
            kinds.append(FINITE)
        else:
            raise TypeError("a point must be None or a tuple of two ints")
    return b"".join(parts), kinds


@kernel
def _word(buf: Bytes, off: int) -> np.uint64:
    """The big-endian 64-bit word at byte offset ``off``."""
    w = np.uint64(0)
    for k in range(8):
        w = (w << np.uint64(8)) | np.uint64(buf[off + k])
    return w


@kernel
def _coord(buf: Bytes, off: int) -> Fe:
    """The 32-byte big-endian integer at ``off`` as 4 little-endian words."""
    return (_word(buf, off + 24), _word(buf, off + 16), _word(buf, off + 8), _word(buf, off))


@kernel
def load_points(buf: Bytes, offsets: Index, kinds: Flags) -> tuple[Arr, Flags, np.int64]:
    """Montgomery rows (2n, NLIMBS), infinity flags (n,) and the first bad index or -1.

    A point is bad when a coordinate is >= p or it is not on y**2 = x**3 + 3
    (including all-zero bytes for kind ``FINITE``).
    """
    n = offsets.shape[0]
    pts = np.zeros((2 * n, NLIMBS), dtype=np.uint64)
    inf = np.zeros(n, dtype=np.uint8)
    for i in range(n):
        if kinds[i] == NONE:
            inf[i] = 1
            continue
        x = _coord(buf, offsets[i])
        y = _coord(buf, offsets[i] + 32)
        if kinds[i] == PROOF and is_zero(x) and is_zero(y):
            inf[i] = 1
            continue
        if geq_p(x) or geq_p(y):
            return pts, inf, np.int64(i)
        xm = to_mont(x)
        ym = to_mont(y)
        if not on_curve(xm, ym):
            return pts, inf, np.int64(i)
        st(pts, 2 * i, xm)
        st(pts, 2 * i + 1, ym)
    return pts, inf, np.int64(-1)
