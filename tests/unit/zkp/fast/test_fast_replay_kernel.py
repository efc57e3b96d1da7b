"""The compat FFT replay kernel (zkp.fast.replay) reverts exactly when the literal replay does."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zkp.fast import replay
from zkp.fast.field import P_INT, limbs_to_int
from zkp.fast.loader import encode_points, load_points
from zkp.msm import Point
from zkp.reference import generators as gen
from zkp.reference.curve import add, mul, neg
from zkp.reference.evm_quirks import EvmRevert, replay_convolutions
from zkp.reference.field import Q

R_INV = pow(1 << 256, -1, P_INT)  # Montgomery rows hold x·2^256 mod p


def _literal(r0: list[int], r1: list[int], bases: list[list[Point]]) -> bool:
    try:
        for base in bases:
            replay_convolutions(r0, r1, base)
    except EvmRevert:
        return True
    return False


def _kernel(r0: list[int], r1: list[int], bases: list[list[Point]]) -> bool:
    loaded = []
    for base in bases:
        blob, kinds = encode_points(base)
        buf = np.frombuffer(blob, dtype=np.uint8)
        offsets = np.arange(0, len(blob), 64, dtype=np.int64)
        pts, inf, bad = load_points(buf, offsets, np.array(kinds, dtype=np.uint8))
        assert bad < 0
        loaded.append((pts, inf))
    return replay.reverts(r0, r1, loaded)


def _crafted(n: int, trial: int, rnd: random.Random) -> list[Point]:
    g = gen.g()
    base: list[Point] = [mul(g, rnd.randrange(1, Q)) for _ in range(n)]
    if trial == 1:
        base[rnd.randrange(n)] = None
    if trial == 2 and n >= 4:
        base[3] = neg(base[1])  # odd half [A, -A, ...]: identity inside the FFT
    if trial == 3 and n >= 4:
        base[2] = neg(base[0])
        base[3] = neg(base[1])
    if trial == 4 and n >= 8:
        base[6] = neg(add(base[2], add(base[4], base[0])))  # a 4-point sub-FFT value is O
    return base


def test_kernel_matches_literal_on_random_and_crafted_bases() -> None:
    rnd = random.Random(11)
    outcomes = []
    for n in (2, 4, 8, 16):
        for trial in range(6):
            r0 = [rnd.randrange(Q) for _ in range(n)]
            r1 = [0] * n if trial == 5 else [rnd.randrange(Q) for _ in range(n)]
            bases = [_crafted(n, trial, rnd), _crafted(n, 0, rnd)]
            want = _literal(r0, r1, bases)
            assert _kernel(r0, r1, bases) == want, (n, trial)
            assert _kernel(r0, r1, bases[::-1]) == want
            outcomes.append(want)
    assert any(outcomes) and not all(outcomes)


@settings(max_examples=15)
@given(st.integers(1, 3), st.randoms(use_true_random=False))
def test_kernel_matches_literal_with_small_multiples(m: int, rnd: random.Random) -> None:
    # small discrete logs make identities inside the FFTs likely
    n = 1 << m
    g = gen.g()
    base: list[Point] = [mul(g, rnd.randrange(0, 3)) for _ in range(n)]
    r0 = [rnd.randrange(0, 3) for _ in range(n)]
    r1 = [rnd.randrange(0, 3) for _ in range(n)]
    assert _kernel(r0, r1, [base]) == _literal(r0, r1, [base])


def test_replay_sums_are_h_times_the_r0_ring_sums() -> None:
    # compat takes CR00 = Σ r0[j]·C_j and yR00 from the replay's folded values
    rnd = random.Random(5)
    identities = 0
    for n in (2, 4, 8, 16):
        for trial in (0, 1, 3, 4):
            bases = [_crafted(n, 0 if trial == 3 else trial, rnd), _crafted(n, 0, rnd)]
            r0 = [rnd.randrange(Q) for _ in range(n)]
            r1 = [rnd.randrange(Q) for _ in range(n)]
            if trial == 3:  # the last point makes Σ r0[j]·B_j the identity
                rest: Point = None
                for j in range(n - 1):
                    rest = add(rest, mul(bases[0][j], r0[j]))
                bases[0][n - 1] = mul(neg(rest), pow(r0[n - 1], -1, Q))
            loaded = []
            for base in bases:
                blob, kinds = encode_points(base)
                buf = np.frombuffer(blob, dtype=np.uint8)
                offsets = np.arange(0, len(blob), 64, dtype=np.int64)
                pts, inf, _ = load_points(buf, offsets, np.array(kinds, dtype=np.uint8))
                loaded.append((pts, inf))
            reverted, rows, flags = replay.replay(r0, r1, loaded, True)
            assert reverted == _literal(r0, r1, bases)
            if reverted:
                continue
            for q, base in enumerate(bases):
                want: Point = None
                for j in range(n):
                    want = add(want, mul(base[j], r0[j] * (n // 2) % Q))
                if want is None:
                    identities += 1
                    assert flags[q] == 1
                else:
                    got = tuple(limbs_to_int(rows[2 * q + c]) * R_INV % P_INT for c in (0, 1))
                    assert flags[q] == 0 and got == want
    assert identities >= 3
