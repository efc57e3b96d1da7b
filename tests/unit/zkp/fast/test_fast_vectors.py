"""zkp.fast on the real points of the shared Anonymous Zether vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from py_ecc import optimized_bn128 as bn

from zkp.fast import FixedBaseMSM, is_on_curve, msm, msm_many, msm_mixed, validate_points
from zkp.fast.msm import Point

VECTORS = (
    Path(__file__).resolve().parents[4].parent
    / "shared"
    / "vectors"
    / "anonymous-zether"
    / "az_vectors.json"
)


def _points(node: Any, out: list[Point]) -> None:
    """Every [x, y] pair of 0x-hex strings anywhere in the JSON tree."""
    if isinstance(node, dict):
        for value in node.values():
            _points(value, out)
    elif isinstance(node, list):
        if len(node) == 2 and all(isinstance(v, str) and v.startswith("0x") for v in node):
            out.append((int(node[0], 16), int(node[1], 16)))
        else:
            for value in node:
                _points(value, out)


@pytest.fixture(scope="module")
def vector_points() -> tuple[list[Point], list[Point]]:
    if not VECTORS.exists():
        pytest.skip("shared vectors not present")
    data = json.loads(VECTORS.read_text(encoding="utf-8"))
    gens: list[Point] = []
    rest: list[Point] = []
    _points(data["generators"], gens)
    _points(data["vectors"], rest)
    return gens, rest


def _naive(pts: list[Point], ks: list[int]) -> Point:
    acc = bn.Z1
    for pt, k in zip(pts, ks, strict=True):
        assert pt is not None
        acc = bn.add(acc, bn.multiply((bn.FQ(pt[0]), bn.FQ(pt[1]), bn.FQ(1)), k % bn.curve_order))
    if bn.is_inf(acc):
        return None
    n = bn.normalize(acc)
    return int(n[0]), int(n[1])


def test_vector_points_validate(vector_points: tuple[list[Point], list[Point]]) -> None:
    gens, rest = vector_points
    assert len(gens) == 5 and len(rest) > 100
    assert all(is_on_curve(p) for p in gens + rest)
    assert validate_points(gens + rest)
    broken = list(rest)
    x, y = rest[7]  # type: ignore[misc]
    broken[7] = (x, (y + 1) % bn.field_modulus)
    assert not validate_points(broken)


def test_msms_on_vector_points(vector_points: tuple[list[Point], list[Point]]) -> None:
    gens, rest = vector_points
    pts = rest[:24]
    ks = [(0xD1CE + 977 * i) ** 7 for i in range(len(pts))]
    want = _naive(gens + pts, [3, 5, 7, 11, 13] + ks)
    fixed = FixedBaseMSM(gens)
    assert msm(gens + pts, [3, 5, 7, 11, 13] + ks) == want
    assert msm_mixed(fixed, [3, 5, 7, 11, 13], pts, ks) == want
    assert msm_many([(pts[:3], ks[:3]), (gens, [1, 0, 0, 0, 0])]) == [
        _naive(pts[:3], ks[:3]),
        gens[0],
    ]
