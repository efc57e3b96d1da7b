"""Committee thresholds, authority signatures, schedule over rounds, real Ed25519."""

from __future__ import annotations

import pytest
from consensus_dagkit import seed

from consensus.committee import Committee, CommitteeSchedule, Validator
from consensus.crypto import CachingVerifier, Ed25519Signer, Ed25519Verifier


def committee(weights: list[int], epoch: int = 0) -> Committee:
    return Committee.create(
        epoch, [Validator(f"v{i}", seed(f"v{i}"), w) for i, w in enumerate(weights)]
    )


@pytest.mark.parametrize(
    ("weights", "quorum", "validity"),
    [
        ([1] * 4, 3, 2),
        ([1] * 7, 5, 3),
        ([1] * 10, 7, 4),
        ([1] * 20, 14, 7),
        ([2, 1, 1], 3, 2),
        ([1], 1, 1),
    ],
)
def test_thresholds_by_weight(weights: list[int], quorum: int, validity: int) -> None:
    c = committee(weights)
    assert (c.quorum, c.validity) == (quorum, validity)
    f = (c.total_weight - 1) // 3
    assert c.quorum + c.quorum - c.total_weight >= f + 1  # two quorums share an honest member


def test_authority_signature_with_ed25519() -> None:
    authority = Ed25519Signer(seed("authority"))
    v = Ed25519Verifier()
    c = committee([1, 1, 1, 1]).signed(authority)
    assert c.verify(authority.public_key, v)
    assert not c.verify(Ed25519Signer(seed("other")).public_key, v)
    tampered = Committee(c.epoch, c.validators[:3], c.authority_signature)
    assert not tampered.verify(authority.public_key, v)


def test_ed25519_rejects_garbage_and_cache_verifies_once() -> None:
    s = Ed25519Signer(seed("x"))
    v = CachingVerifier(Ed25519Verifier())
    sig = s.sign(b"m")
    assert v.verify(s.public_key, b"m", sig) and v.verify(s.public_key, b"m", sig)
    assert (v.verified, v.cache_hits) == (1, 1)
    assert not v.verify(s.public_key, b"n", sig)
    assert not v.verify(b"\x00" * 32, b"m", sig)
    assert not v.verify(s.public_key, b"m", b"short")


def test_invalid_committees_are_rejected() -> None:
    with pytest.raises(ValueError):
        Committee.create(0, [])
    with pytest.raises(ValueError):
        Committee.create(0, [Validator("a", b"k", 1), Validator("a", b"k", 1)])
    with pytest.raises(ValueError):
        Committee.create(0, [Validator("a", b"k", 0)])


def test_schedule_selects_committee_by_round() -> None:
    s = CommitteeSchedule(committee([1] * 4))
    s.add(10, committee([1] * 5, epoch=1))
    assert s.for_round(9).epoch == 0 and s.for_round(10).epoch == 1
    with pytest.raises(ValueError):
        s.add(8, committee([1] * 5, epoch=2))
    with pytest.raises(ValueError):
        s.add(20, committee([1] * 5, epoch=3))
