"""The provers on the fast backend produce byte-identical proofs to the py-ecc reference."""

from __future__ import annotations

import pytest
from zkp_testlib import auditor_keys, ring

from zkp.msm import MSM, reference_msm
from zkp.reference import compat, hardened, wallet
from zkp.reference.rng import SeededRng

fast = pytest.importorskip("zkp.fast.backend")


def _transfer(n: int, mode: str, msm: MSM) -> tuple[object, bytes]:
    keys, members = ring(n)
    return wallet.build_transfer(
        keys[1][0], members, 1, 0 if n == 2 else 2, 10, 7, SeededRng(f"fp-{n}-{mode}"),
        mode=mode, fee=1 if mode == "hardened" else 0, chain_id=1,
        auditor=auditor_keys()[1], msm=msm,
    )  # fmt: skip


def _burn(mode: str, msm: MSM) -> tuple[object, bytes]:
    keys, members = ring(2)
    sk = keys[1][0]
    return wallet.build_burn(
        sk, members[1].balance, 3, 7, 0x1234, SeededRng(f"fb-{mode}"), mode=mode, msm=msm
    )


@pytest.mark.parametrize("mode", ["hardened", "compat"])
def test_fast_transfer_proof_is_identical(mode: str) -> None:
    backend = fast.fast_backend()
    st_ref, proof_ref = _transfer(2, mode, reference_msm)
    st_fast, proof_fast = _transfer(2, mode, backend)
    assert st_fast == st_ref and proof_fast == proof_ref
    verify = hardened.verify_transfer if mode == "hardened" else compat.verify_transfer
    assert verify(st_fast, proof_fast, backend).ok  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["hardened", "compat"])
def test_fast_burn_proof_is_identical(mode: str) -> None:
    backend = fast.fast_backend()
    assert _burn(mode, backend) == _burn(mode, reference_msm)


@pytest.mark.slow
def test_fast_transfer_proof_is_identical_n8() -> None:
    assert _transfer(8, "hardened", fast.fast_backend()) == _transfer(8, "hardened", reference_msm)


def test_fast_backend_matches_reference_on_mixed_terms() -> None:
    from zkp.reference import generators as gen

    backend = fast.fast_backend()
    g, h = gen.g(), gen.h()
    other = wallet.keypair(SeededRng("x"))[1]
    pts = [g, other, gen.gs()[3], g, None, gen.hs()[63]]
    ks = [5, 7, 11, -5, 3, 2**300]
    assert backend(pts, ks) == reference_msm(pts, ks)
    assert backend([g, h], [1, 0]) == g
    assert backend([g, g], [1, -1]) is None
    assert backend([], []) is None
    assert backend([other], [0]) is None
    assert backend([h, other], [-3, 2]) == reference_msm([h, other], [-3, 2])
    assert backend([gen.hs()[5]], [-1]) == reference_msm([gen.hs()[5]], [-1])


def test_fast_backend_rejects_bad_tables() -> None:
    from zkp.reference import generators as gen

    with pytest.raises(ValueError):
        fast.FastBackend([gen.g(), gen.g()])
    with pytest.raises(ValueError):
        fast.FastBackend([gen.g(), None])
