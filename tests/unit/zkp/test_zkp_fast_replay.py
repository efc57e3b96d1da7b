"""The batched compat FFT replay reverts exactly when the literal replay does."""

from __future__ import annotations

import random

import pytest

from zkp.msm import Point, many_of, reference_msm
from zkp.reference import generators as gen
from zkp.reference.curve import mul, neg
from zkp.reference.evm_quirks import (
    EvmRevert,
    replay_convolutions,
    replay_convolutions_batched,
)
from zkp.reference.field import Q


def _reverts_literal(r0: list[int], r1: list[int], bases: list[list[Point]]) -> bool:
    try:
        for base in bases:
            replay_convolutions(r0, r1, base)
    except EvmRevert:
        return True
    return False


def _reverts_batched(r0: list[int], r1: list[int], bases: list[list[Point]], many) -> bool:  # type: ignore[no-untyped-def]
    try:
        replay_convolutions_batched(r0, r1, bases, many)
    except EvmRevert:
        return True
    return False


def _cases() -> list[tuple[list[int], list[int], list[list[Point]]]]:
    rnd = random.Random(5)
    g = gen.g()
    cases = []
    for n in (2, 4, 8):
        for trial in range(4):
            r0 = [rnd.randrange(Q) for _ in range(n)]
            r1 = [rnd.randrange(Q) for _ in range(n)]
            bases: list[list[Point]] = []
            for _ in range(2):
                base: list[Point] = [mul(g, rnd.randrange(1, 50)) for _ in range(n)]
                if trial == 1:
                    base[rnd.randrange(n)] = None
                if trial == 2 and n >= 4:
                    base[3] = neg(base[1])  # odd half [A, -A, ...]: identity inside the FFT
                bases.append(base)
            cases.append((r0, r1, bases))
    return cases


CASES = _cases()


def _backends() -> list[object]:
    out: list[object] = [many_of(reference_msm)]
    try:
        from zkp.fast.backend import fast_backend
    except ImportError:
        return out
    out.append(fast_backend().many)
    return out


@pytest.mark.parametrize("many", _backends())
def test_batched_replay_matches_literal_replay(many: object) -> None:
    verdicts = []
    for r0, r1, bases in CASES:
        expected = _reverts_literal(r0, r1, bases)
        assert _reverts_batched(r0, r1, bases, many) == expected
        verdicts.append(expected)
    assert any(verdicts) and not all(verdicts)  # both outcomes are exercised


def test_identity_base_reverts() -> None:
    g = gen.g()
    base: list[Point] = [g, None, mul(g, 2), None]
    assert _reverts_literal([1, 2, 3, 4], [5, 6, 7, 8], [base])
    assert _reverts_batched([1, 2, 3, 4], [5, 6, 7, 8], [base], many_of(reference_msm))
