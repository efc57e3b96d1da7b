"""The forged-nonce attack mounted with our own prover (u chosen after the challenge).

Compat mode accepts it (as the reference contract does: ``u`` is not in the transcript),
hardened mode rejects it; honest hardened proofs verify and the auditor opens them.
"""

from __future__ import annotations

from zkp_testlib import auditor_keys, ring, transfer

from zkp.reference import compat, hardened
from zkp.reference.auditor import audit_transfer
from zkp.reference.curve import mul
from zkp.reference.generators import g_epoch


def test_forged_nonce_accepted_in_compat() -> None:
    honest, _ = transfer(4, "compat")
    forged_st, forged_proof = transfer(4, "compat", forge=True)
    keys, _ = ring(4)
    assert forged_st.u != honest.u
    assert forged_st.u != mul(g_epoch(7), keys[1][0])  # not the sender's epoch nonce
    assert compat.verify_transfer(forged_st, forged_proof).ok


def test_forged_nonce_rejected_in_hardened() -> None:
    forged_st, forged_proof = transfer(4, "hardened", forge=True)
    honest, _ = transfer(4, "hardened")
    assert forged_st.u != honest.u
    assert not hardened.verify_transfer(forged_st, forged_proof).ok


def test_honest_hardened_transfer_verifies_and_auditor_recovers_everything() -> None:
    st, proof = transfer(4, "hardened", value=77, fee=1)
    assert hardened.verify_transfer(st, proof).ok
    record = audit_transfer(auditor_keys()[0], st, proof)
    assert record.amount == 77
    assert (record.sender_index, record.receiver_index) == (1, 2)
    assert record.sender == st.y[1] and record.receiver == st.y[2]
