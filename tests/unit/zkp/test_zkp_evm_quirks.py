"""Compat mode reproduces the contract's reverts on identity intermediates.

``Utils.neg((0,0))`` is ``(0, P)``, which ecAdd rejects. A (privacy-destroying but
algebraically valid) transfer with ``D = O`` makes decoy ciphertexts the identity; the
contract's point FFT then negates the identity and reverts.
"""

from __future__ import annotations

from zkp_testlib import SENDER_BALANCE, ring

from zkp.msm import reference_msm
from zkp.reference import compat
from zkp.reference import generators as gen
from zkp.reference.check import finish
from zkp.reference.curve import add, mul
from zkp.reference.field import Q
from zkp.reference.proofs import CompatTransferProof
from zkp.reference.prove_transfer import TransferWitness, prove_transfer
from zkp.reference.rng import SeededRng
from zkp.reference.statements import TransferStatement


def _zero_randomness_transfer() -> tuple[TransferStatement, bytes]:
    keys, members = ring(4)
    g = gen.g()
    value, sender, receiver = 10, 1, 2
    amounts = {sender: (-value) % Q, receiver: value}
    C = tuple(mul(g, amounts.get(i, 0)) for i in range(4))  # r = 0: decoys are O
    st = TransferStatement(
        CLn=tuple(add(m.balance[0], c) for m, c in zip(members, C, strict=True)),
        CRn=tuple(m.balance[1] for m in members),
        C=C,
        D=None,
        y=tuple(m.y for m in members),
        epoch=7,
        u=mul(gen.g_epoch(7), keys[sender][0]),
    )
    wit = TransferWitness(keys[sender][0], 0, value, SENDER_BALANCE - value, sender, receiver)
    return prove_transfer(st, wit, SeededRng("r0"), mode="compat")


def test_identity_in_contract_fft_is_rejected_like_the_evm() -> None:
    st, proof = _zero_randomness_transfer()
    assert st.C[0] is None and st.C[3] is None
    decoded = CompatTransferProof.decode(proof, 4)
    # the algebra alone accepts it ...
    lenient = compat.prepare_transfer(st, decoded, reference_msm, evm_strict=False)
    assert finish(lenient, reference_msm, "x").ok
    # ... but the contract reverts, and so does compat mode by default
    verdict = compat.verify_transfer(st, proof)
    assert not verdict.ok and "reverts" in verdict.reason
