"""Byte offsets of a proof layout and the point buffer of a fast verification (ADR 0045).

The fast verifiers read points and scalars at fixed offsets of the proof bytes
(the layouts of :mod:`zkp.reference.proofs`), and hand the loader one buffer:
the statement's encoded points, then extra points (the epoch base), then the
proof. :class:`Plan` holds, per layout, where each field sits in that buffer
and in the loader's point list; it is built once per (layout, statement size).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from zkp.fast.loader import PROOF
from zkp.reference import proofs

Layout = list[tuple[str, str, int]]


@dataclass(frozen=True)
class Plan:
    """Where every proof field is: byte offset in the proof, point index in the loader."""

    size: int
    byte: dict[str, int]
    point: dict[str, int]
    head: int
    npoints: int
    offsets: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.uint8]


def _plan(layout: Layout, head: int) -> Plan:
    """``head`` points (statement and extras) come first in the loader's buffer."""
    byte: dict[str, int] = {}
    point: dict[str, int] = {}
    pos = 0
    npts = head
    offsets = [64 * i for i in range(head)]
    for name, kind, count in layout:
        byte[name] = pos
        items = max(count, 1)
        if kind == "pt":
            point[name] = npts
            offsets.extend(64 * head + pos + 64 * k for k in range(items))
            npts += items
            pos += 64 * items
        else:
            pos += 32 * items
    kinds = np.full(npts, PROOF, dtype=np.uint8)
    return Plan(pos, byte, point, head, npts, np.array(offsets, dtype=np.int64), kinds)


@cache
def hardened_transfer(m: int) -> Plan:
    """Hardened transfer over 2**m members; head: CLn, CRn, C, y, D, u, Y, g_epoch."""
    return _plan(proofs.hardened_transfer_layout(m), 4 * (1 << m) + 4)


@cache
def compat_transfer(m: int) -> Plan:
    """Compat transfer over 2**m members; head: CLn, CRn, C, y, D, u, g_epoch, g, h."""
    return _plan(proofs.compat_transfer_layout(m), 4 * (1 << m) + 5)
