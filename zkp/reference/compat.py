"""Compatibility-mode verifiers: the reference contracts' rules, byte for byte.

``verify_transfer`` / ``verify_burn`` return the same verdict as ``ZetherVerifier.sol`` /
``BurnVerifier.sol`` (including accepting forged nonces, since ``u`` is not hashed, and
using the contract's ``fee = 0``). Σ-protocol commitments feed the Fiat–Shamir hash and
are computed explicitly (one MSM each); the one-out-of-many recovery check and the
inner-product check are fused into one MSM with transcript-derived weights. The
contract's reverts on identity intermediates are reproduced too (ADR 0012); a backend
with a batched ``many`` runs the point FFTs and Σ commitments in batches (ADR 0051).
"""

from __future__ import annotations

from zkp.errors import ZkpError
from zkp.msm import MSM, many_of, reference_msm
from zkp.reference import generators as gen
from zkp.reference.anonymity import aggregates, recovery_terms, ring_vectors
from zkp.reference.check import PreparedCheck, finish
from zkp.reference.evm_quirks import (
    EvmRevert,
    replay_convolutions,
    replay_convolutions_batched,
)
from zkp.reference.field import Q, evm_neg, evm_sub
from zkp.reference.ipa import ip_terms, range_constants
from zkp.reference.lincomb import combine, single
from zkp.reference.proofs import CompatBurnProof, CompatTransferProof
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.reference.transcript import hash_bytes_scalar, hash_scalar, keccak256
from zkp.verdict import ACCEPT, Verdict, reject

COMPAT_FEE = 0  # ZetherVerifier.fee
_FUSE_TAG = b"drex/zether/compat/fuse"


def _fuse_weight(digest: bytes) -> int:
    return hash_bytes_scalar(_FUSE_TAG + digest) or 1


def prepare_transfer(
    st: TransferStatement,
    proof: CompatTransferProof,
    msm: MSM = reference_msm,
    evm_strict: bool = True,
) -> PreparedCheck:
    """Run the transcript and Σ checks; return the fused final check as terms.

    ``evm_strict`` replays the contract's point FFTs and ``tEval`` negation to reproduce
    its reverts on identity intermediates (see :mod:`zkp.reference.evm_quirks`).
    """
    if len(st.y) != 1 << proof.m:
        return PreparedCheck.rejected("ring size does not match proof")
    stmt_hash = hash_scalar(list(st.CLn), list(st.CRn), list(st.C), st.D, list(st.y), st.epoch)
    p = proof
    v = hash_scalar(stmt_hash, p.BA, p.BS, p.A, p.B)
    parts = {
        "CLnG": p.CLnG,
        "CRnG": p.CRnG,
        "C_0G": p.C_0G,
        "DG": p.DG,
        "y_0G": p.y_0G,
        "gG": p.gG,
        "C_XG": p.C_XG,
        "y_XG": p.y_XG,
    }
    w = hash_scalar(v, *[list(parts[k]) for k in parts])
    recovery = recovery_terms(p.A, p.B, p.f, w, p.z_A, p.m)
    if evm_strict:
        r0, r1 = ring_vectors(p.f, w, p.m)
        batched = getattr(msm, "many", None)
        try:
            if batched is None:
                replay_convolutions(r0, r1, st.C)
                replay_convolutions(r0, r1, st.y)
            else:
                replay_convolutions_batched(r0, r1, [st.C, st.y], batched)
        except EvmRevert as exc:
            return PreparedCheck.rejected(f"reference contract reverts: {exc}")
    ag = aggregates(st.CLn, st.CRn, st.C, st.D, st.y, parts, p.f, v, w, COMPAT_FEE)

    y_ch = hash_scalar(w)
    z = hash_scalar(y_ch)
    ys, twos, delta = range_constants(y_ch, z, 64)
    z2, z3 = z * z % Q, pow(z, 3, Q)
    t = evm_sub(p.tHat, delta)
    x = hash_scalar(z, p.T_1, p.T_2)
    if evm_strict and msm([p.T_1, p.T_2], [x, x * x % Q]) is None:
        return PreparedCheck.rejected("reference contract reverts: Utils.neg of tEval = O")

    g, h = gen.g(), gen.h()
    cneg = evm_neg(p.c)
    a_y = combine((ag.gR, p.s_sk), (ag.yR00, cneg))
    a_d = single(g, p.s_r).add(st.D, cneg)
    a_b = combine((ag.DR, -z2 * p.s_sk), (ag.CRnR, z3 * p.s_sk))
    a_b.add(g, p.s_b).add_terms(combine((ag.CR00, -z2), (ag.CLnR, z3)), cneg)
    a_b.add(g, -z2 * COMPAT_FEE * ag.w_m % Q * cneg)
    a_x = combine((ag.y_XR, p.s_r), (ag.C_XR, cneg))
    cw = p.c * ag.w_m % Q
    a_t = single(g, t * cw).add(p.T_1, -x * cw).add(p.T_2, -x * x % Q * cw)
    a_t.add(h, p.s_tau).add(g, evm_neg(p.s_b))
    a_u = single(gen.g_epoch(st.epoch), p.s_sk).add(st.u, cneg)
    commits = many_of(msm)([tm.compact() for tm in (a_y, a_d, a_b, a_x, a_t, a_u)])
    c = hash_scalar(x, *commits)
    if c != p.c:
        return PreparedCheck.rejected("sigma challenge mismatch")

    o = hash_scalar(c)
    ip = ip_terms(p.BA, p.BS, x, z, ys, twos, p.mu, p.tHat, o, p.L, p.R, p.a, p.b)
    digest = keccak256(stmt_hash.to_bytes(32, "big") + proof.encode())
    rho = _fuse_weight(digest)
    return PreparedCheck(ACCEPT, combine((recovery, 1), (ip, rho)), digest)


def prepare_burn(
    st: BurnStatement, proof: CompatBurnProof, msm: MSM = reference_msm
) -> PreparedCheck:
    """Burn analogue of :func:`prepare_transfer` (32-bit range proof, no ring)."""
    p = proof
    stmt_hash = hash_scalar(st.CLn, st.CRn, st.y, st.epoch, st.sender)
    y_ch = hash_scalar(stmt_hash, p.BA, p.BS)
    z = hash_scalar(y_ch)
    ys, twos, delta = range_constants(y_ch, z, 32)
    z2 = z * z % Q
    t = evm_sub(p.tHat, delta)
    x = hash_scalar(z, p.T_1, p.T_2)
    if msm([p.T_1, p.T_2], [x, x * x % Q]) is None:
        return PreparedCheck.rejected("reference contract reverts: Utils.neg of tEval = O")
    g, h = gen.g(), gen.h()
    cneg = evm_neg(p.c)
    a_y = single(g, p.s_sk).add(st.y, cneg)
    a_b = single(g, p.s_b).add(st.CRn, z2 * p.s_sk).add(st.CLn, z2 * cneg)
    a_t = single(g, t * p.c).add(p.T_1, -x * p.c).add(p.T_2, -x * x % Q * p.c)
    a_t.add(h, p.s_tau).add(g, evm_neg(p.s_b))
    a_u = single(gen.g_epoch(st.epoch), p.s_sk).add(st.u, cneg)
    commits = many_of(msm)([tm.compact() for tm in (a_y, a_b, a_t, a_u)])
    c = hash_scalar(x, *commits)
    if c != p.c:
        return PreparedCheck.rejected("sigma challenge mismatch")
    o = hash_scalar(c)
    ip = ip_terms(p.BA, p.BS, x, z, ys, twos, p.mu, p.tHat, o, p.L, p.R, p.a, p.b)
    digest = keccak256(stmt_hash.to_bytes(32, "big") + proof.encode())
    return PreparedCheck(ACCEPT, ip, digest)


def verify_transfer(
    st: TransferStatement, proof: bytes | CompatTransferProof, msm: MSM = reference_msm
) -> Verdict:
    """Compat verdict for a transfer; bad encodings are rejections, never exceptions."""
    try:
        st.validate()
        if not isinstance(proof, CompatTransferProof):
            proof = CompatTransferProof.decode(proof, st.n)
        check = prepare_transfer(st, proof, msm)
    except ZkpError as exc:
        return reject(f"malformed: {exc}")
    return finish(check, msm, "recovery or inner-product check failed")


def verify_burn(
    st: BurnStatement, proof: bytes | CompatBurnProof, msm: MSM = reference_msm
) -> Verdict:
    """Compat verdict for a burn."""
    try:
        st.validate()
        if not isinstance(proof, CompatBurnProof):
            proof = CompatBurnProof.decode(proof)
        check = prepare_burn(st, proof, msm)
    except ZkpError as exc:
        return reject(f"malformed: {exc}")
    return finish(check, msm, "inner-product check failed")
