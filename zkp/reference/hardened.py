"""Hardened-mode verifiers (the network default): one fused MSM per proof.

Differences from compat (see ``docs/protocol/confidential.md`` and ADR 0010): the
transcript binds a domain tag, chain id, epoch, fee, nonce ``u`` and auditor key; the
proof carries the Σ-protocol commitments, so every equation — one-out-of-many
recovery, the Σ equations, the auditor-consistency equations and the inner-product
argument — is checked in a single multi-scalar multiplication with weights
``1, ρ, ρ², ...`` derived from the statement hash and the proof bytes. Scalars must be
canonical (below Q) and points valid.
"""

from __future__ import annotations

from zkp.errors import ZkpError
from zkp.msm import MSM, reference_msm
from zkp.reference import generators as gen
from zkp.reference.anonymity import aggregates, recovery_terms
from zkp.reference.check import PreparedCheck, finish
from zkp.reference.field import Q
from zkp.reference.hardened_transcript import (
    burn_statement_hash,
    fuse_weights,
    transfer_statement_hash,
)
from zkp.reference.ipa import ip_terms, range_constants
from zkp.reference.lincomb import Terms, combine, single
from zkp.reference.proofs import HardenedBurnProof, HardenedTransferProof
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.reference.transcript import hash_scalar, keccak256
from zkp.verdict import Verdict, reject

AUDIT_ORDER = ("E", "F", "Es_L", "Es_R", "Ms_L", "Ms_R", "Er_L", "Er_R", "Mr_L", "Mr_R")
ANON_ORDER = ("CLnG", "CRnG", "C_0G", "DG", "y_0G", "gG", "C_XG", "y_XG")


def _fold(equations: list[Terms], stmt_hash: int, proof_bytes: bytes) -> PreparedCheck:
    weights = fuse_weights(stmt_hash, proof_bytes, len(equations))
    fused = combine(*zip(equations, weights, strict=True))
    digest = keccak256(stmt_hash.to_bytes(32, "big") + proof_bytes)
    return PreparedCheck(Verdict(True), fused, digest)


def prepare_transfer(st: TransferStatement, p: HardenedTransferProof) -> PreparedCheck:
    """Transcript + all equations of a hardened transfer as one fused check."""
    if st.auditor is None or st.u is None:
        return PreparedCheck.rejected("hardened statement needs an auditor key and a nonce")
    if len(st.y) != 1 << p.m:
        return PreparedCheck.rejected("ring size does not match proof")
    if None in st.y or len(set(st.y)) != len(st.y):
        return PreparedCheck.rejected("ring keys must be distinct and not the identity")
    m = p.m
    stmt_hash = transfer_statement_hash(st)
    v = hash_scalar(stmt_hash, p.BA, p.BS, p.A, p.B, *[getattr(p, k) for k in AUDIT_ORDER])
    parts = {k: getattr(p, k) for k in ANON_ORDER}
    w = hash_scalar(v, *[list(parts[k]) for k in ANON_ORDER])
    y_ch = hash_scalar(w)
    z = hash_scalar(y_ch)
    ys, twos, delta = range_constants(y_ch, z, 64)
    x = hash_scalar(z, p.T_1, p.T_2)
    c = hash_scalar(x, p.A_y, p.A_D, p.A_b, p.A_X, p.A_t, p.A_u, p.A_E, p.A_F)
    o = hash_scalar(c)

    ag = aggregates(st.CLn, st.CRn, st.C, st.D, st.y, parts, p.f, v, w, st.fee)
    g, h, Y = gen.g(), gen.h(), st.auditor
    z2, z3, w_m = z * z % Q, z * z * z % Q, ag.w_m
    s_b = (p.s_v * z2 + p.s_diff * z3) * w_m % Q
    t = (p.tHat - delta) % Q
    cw = c * w_m % Q
    f_s = sum(p.f[k] << k for k in range(m)) % Q
    f_r = sum(p.f[m + k] << k for k in range(m)) % Q
    a_b = combine((ag.DR, -z2 * p.s_sk), (ag.CRnR, z3 * p.s_sk), (ag.CR00, z2 * c))
    a_b.add_terms(ag.CLnR, -z3 * c).add(g, s_b + z2 * st.fee * w_m % Q * c).add(p.A_b, -1)
    equations = [
        recovery_terms(p.A, p.B, p.f, w, p.z_A, m),
        combine((ag.gR, p.s_sk), (ag.yR00, -c)).add(p.A_y, -1),
        single(g, p.s_r).add(st.D, -c).add(p.A_D, -1),
        a_b,
        combine((ag.y_XR, p.s_r), (ag.C_XR, -c)).add(p.A_X, -1),
        single(g, t * cw - s_b).add(p.T_1, -x * cw).add(p.T_2, -x * x % Q * cw)
        .add(h, p.s_tau).add(p.A_t, -1),
        single(gen.g_epoch(st.epoch), p.s_sk).add(st.u, -c).add(p.A_u, -1),
        single(g, p.s_v).add(Y, p.s_r).add(p.E, -c).add(p.A_E, -1),
        single(g, p.s_diff).add(h, p.s_rho).add(p.F, -c).add(p.A_F, -1),
        single(p.Es_L, w).add(p.Ms_L, 1).add(g, -f_s).add(Y, -p.z_s),
        single(p.Es_R, w).add(p.Ms_R, 1).add(g, -p.z_s),
        single(p.Er_L, w).add(p.Mr_L, 1).add(g, -f_r).add(Y, -p.z_r),
        single(p.Er_R, w).add(p.Mr_R, 1).add(g, -p.z_r),
        ip_terms(p.BA, p.BS, x, z, ys, twos, p.mu, p.tHat, o, p.L, p.R, p.a, p.b),
    ]  # fmt: skip
    return _fold(equations, stmt_hash, p.encode())


def prepare_burn(st: BurnStatement, p: HardenedBurnProof) -> PreparedCheck:
    """Transcript + all equations of a hardened burn as one fused check."""
    if st.u is None:
        return PreparedCheck.rejected("hardened statement needs a nonce")
    stmt_hash = burn_statement_hash(st)
    y_ch = hash_scalar(stmt_hash, p.BA, p.BS)
    z = hash_scalar(y_ch)
    ys, twos, delta = range_constants(y_ch, z, 32)
    x = hash_scalar(z, p.T_1, p.T_2)
    c = hash_scalar(x, p.A_y, p.A_b, p.A_t, p.A_u)
    o = hash_scalar(c)
    g, h = gen.g(), gen.h()
    z2 = z * z % Q
    t = (p.tHat - delta) % Q
    equations = [
        single(g, p.s_sk).add(st.y, -c).add(p.A_y, -1),
        single(g, p.s_b).add(st.CRn, z2 * p.s_sk).add(st.CLn, -z2 * c).add(p.A_b, -1),
        single(g, t * c - p.s_b).add(p.T_1, -x * c).add(p.T_2, -x * x % Q * c)
        .add(h, p.s_tau).add(p.A_t, -1),
        single(gen.g_epoch(st.epoch), p.s_sk).add(st.u, -c).add(p.A_u, -1),
        ip_terms(p.BA, p.BS, x, z, ys, twos, p.mu, p.tHat, o, p.L, p.R, p.a, p.b),
    ]  # fmt: skip
    return _fold(equations, stmt_hash, p.encode())


def verify_transfer(
    st: TransferStatement, proof: bytes | HardenedTransferProof, msm: MSM = reference_msm
) -> Verdict:
    """Hardened verdict for a transfer (one fused MSM); never raises for bad input."""
    try:
        st.validate()
        if not isinstance(proof, HardenedTransferProof):
            proof = HardenedTransferProof.decode(proof, st.n)
        check = prepare_transfer(st, proof)
    except ZkpError as exc:
        return reject(f"malformed: {exc}")
    return finish(check, msm, "fused check failed")


def verify_burn(
    st: BurnStatement, proof: bytes | HardenedBurnProof, msm: MSM = reference_msm
) -> Verdict:
    """Hardened verdict for a burn (one fused MSM)."""
    try:
        st.validate()
        if not isinstance(proof, HardenedBurnProof):
            proof = HardenedBurnProof.decode(proof)
        check = prepare_burn(st, proof)
    except ZkpError as exc:
        return reject(f"malformed: {exc}")
    return finish(check, msm, "fused check failed")
