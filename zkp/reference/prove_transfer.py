"""Transfer prover (wallet side) for compat and hardened modes.

Follows the reference client's ``ZetherProof.prove``; in hardened mode the transcript
binds the full statement, the proof carries the Σ commitments (not the challenge) and
the auditor extension: the amount encrypted under the auditor key with ``D``'s
randomness, a Pedersen commitment to the sender's remaining balance, and the sender's
and receiver's ring indices encrypted to the auditor, all proven consistent.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from zkp.errors import ProverError
from zkp.msm import MSM, Point, reference_msm
from zkp.reference import generators as gen
from zkp.reference.anonymity import aggregates
from zkp.reference.codec import ring_log
from zkp.reference.field import Q, inv, powers
from zkp.reference.hardened_transcript import transfer_statement_hash
from zkp.reference.ipa import range_constants
from zkp.reference.proofs import CompatTransferProof, HardenedTransferProof
from zkp.reference.prover_parts import (
    bits,
    evaluate,
    pedersen,
    poly_coefficients,
    prove_inner_product,
    range_commit,
    range_polys,
    scale,
    vector_commit,
    weighted_sum,
)
from zkp.reference.rng import Rng
from zkp.reference.statements import TransferStatement
from zkp.reference.transcript import hash_scalar

MAX_AMOUNT = (1 << 32) - 1


@dataclass(frozen=True)
class TransferWitness:
    """What only the sender knows."""

    sk: int
    r: int
    value: int
    remaining: int
    sender: int
    receiver: int


def _elgamal(value: int, key: Point, rand: int, msm: MSM) -> tuple[Point, Point]:
    return weighted_sum([gen.g(), key], [value, rand], msm), scale(gen.g(), rand, msm)


def prove_transfer(
    st: TransferStatement,
    wit: TransferWitness,
    rng: Rng,
    mode: str = "hardened",
    forge_nonce: bool = False,
    msm: MSM = reference_msm,
) -> tuple[TransferStatement, bytes]:
    """Prove ``st``; returns the statement (``u`` replaced if ``forge_nonce``) and proof bytes.

    ``forge_nonce`` mounts the nonce-forging attack (choose ``u`` after the challenge):
    it exists to demonstrate that compat mode accepts it and hardened mode does not.
    ``msm`` is the group backend; every backend yields the same proof for the same ``rng``.
    """
    n = st.n
    m = ring_log(n)
    i0, i1 = wit.sender, wit.receiver
    if not (0 <= i0 < n and 0 <= i1 < n) or i0 % 2 == i1 % 2:
        raise ProverError("sender and receiver must be ring members of opposite parity")
    if not (0 <= wit.value <= MAX_AMOUNT and 0 <= wit.remaining <= MAX_AMOUNT):
        raise ProverError("amount and remaining balance must be 32-bit")
    hardened = mode == "hardened"
    if hardened and st.auditor is None:
        raise ProverError("hardened transfers need an auditor key")
    g, h = gen.g(), gen.h()
    fee = st.fee
    if hardened:
        stmt_hash = transfer_statement_hash(st)
    else:
        stmt_hash = hash_scalar(list(st.CLn), list(st.CRn), list(st.C), st.D, list(st.y), st.epoch)
    rc = range_commit(wit.value + (wit.remaining << 32), 64, rng, msm)
    a = [rng.scalar() for _ in range(2 * m)]
    b = bits(i0, m) + bits(i1, m)
    c_vec = [a[k] * (1 - 2 * b[k]) % Q for k in range(2 * m)]
    d_vec = [(-a[k] * a[k]) % Q for k in range(2 * m)]
    e_vec = [a[0] * a[m] % Q] * 2
    f_vec = [a[b[0] * m], (-a[b[m] * m]) % Q]
    r_a, r_b = rng.scalar(), rng.scalar()
    A = vector_commit(a, d_vec + e_vec, r_a, msm)
    B = vector_commit(b, c_vec + f_vec, r_b, msm)

    audit: dict[str, Point] = {}
    secrets_: dict[str, int] = {}
    if hardened:
        Y = st.auditor
        secrets_ = {k: rng.scalar() for k in ("rho_f", "rho_s", "sig_s", "rho_r", "sig_r")}
        a_s = sum(a[k] << k for k in range(m)) % Q
        a_r = sum(a[m + k] << k for k in range(m)) % Q
        audit["E"] = weighted_sum([g, Y], [wit.value, wit.r], msm)
        audit["F"] = pedersen(wit.remaining, secrets_["rho_f"], msm)
        audit["Es_L"], audit["Es_R"] = _elgamal(i0, Y, secrets_["rho_s"], msm)
        audit["Ms_L"], audit["Ms_R"] = _elgamal(a_s, Y, secrets_["sig_s"], msm)
        audit["Er_L"], audit["Er_R"] = _elgamal(i1, Y, secrets_["rho_r"], msm)
        audit["Mr_L"], audit["Mr_R"] = _elgamal(a_r, Y, secrets_["sig_r"], msm)
        v = hash_scalar(stmt_hash, rc.BA, rc.BS, A, B, *audit.values())
    else:
        v = hash_scalar(stmt_hash, rc.BA, rc.BS, A, B)

    P = poly_coefficients(a[:m], b[:m], m)
    Qp = poly_coefficients(a[m:], b[m:], m)
    key = st.y[i0]
    blinds = {k: [rng.scalar() for _ in range(m)] for k in ("phi", "chi", "psi", "omega")}
    vpow = [1, *powers(v, n - 1)]
    parts: dict[str, tuple[Point, ...]] = {}

    def build(name_l: str, name_r: str, base: tuple[Point, ...], blind: str) -> None:
        rks = blinds[blind]
        parts[name_l] = tuple(weighted_sum([*base, key], [*P[k], rks[k]], msm) for k in range(m))
        parts[name_r] = tuple(scale(g, rks[k], msm) for k in range(m))

    build("CLnG", "CRnG", st.CLn, "phi")
    parts["CRnG"] = tuple(
        weighted_sum([*st.CRn, g], [*P[k], blinds["phi"][k]], msm) for k in range(m)
    )
    build("C_0G", "DG", st.C, "chi")
    build("y_0G", "gG", st.y, "psi")
    cx_left, cx_right = [], []
    for k in range(m):
        scal = 0
        for i in range(n):
            poly = Qp if i % 2 else P
            shift = i - i % 2
            term = (-wit.value - fee) * poly[k][(i0 - shift) % n]
            term += wit.value * poly[k][(i1 - shift) % n]
            scal = (scal + vpow[i] * term) % Q
        om = blinds["omega"][k]
        cx_left.append(weighted_sum([st.D, g], [om, scal], msm))
        cx_right.append(scale(g, om, msm))
    parts["C_XG"], parts["y_XG"] = tuple(cx_left), tuple(cx_right)
    order = ["CLnG", "CRnG", "C_0G", "DG", "y_0G", "gG", "C_XG", "y_XG"]
    w = hash_scalar(v, *[list(parts[k]) for k in order])
    f = tuple((b[k] * w + a[k]) % Q for k in range(2 * m))
    z_a = (r_b * w + r_a) % Q

    y_ch = hash_scalar(w)
    z = hash_scalar(y_ch)
    ys, twos, _ = range_constants(y_ch, z, 64)
    rp = range_polys(rc, ys, twos, z)
    tau1, tau2 = rng.scalar(), rng.scalar()
    T_1, T_2 = pedersen(rp.t[1], tau1, msm), pedersen(rp.t[2], tau2, msm)
    x = hash_scalar(z, T_1, T_2)
    t_hat = (rp.t[0] + rp.t[1] * x + rp.t[2] * x * x) % Q
    tau_x = (tau1 * x + tau2 * x * x) % Q
    mu = (rc.alpha + rc.rho * x) % Q

    ag = aggregates(st.CLn, st.CRn, st.C, st.D, st.y, parts, f, v, w, fee)
    w_m = ag.w_m
    z2, z3 = z * z % Q, z * z * z % Q
    k_sk, k_r, k_tau = rng.scalar(), rng.scalar(), rng.scalar()
    k_v, k_diff, k_rho = rng.scalar(), rng.scalar(), rng.scalar()
    k_b = (k_v * z2 + k_diff * z3) * w_m % Q if hardened else rng.scalar()
    g_epoch = gen.g_epoch(st.epoch)
    commits: dict[str, Point] = {
        "A_y": scale(ag.gR.evaluate(msm), k_sk, msm),
        "A_D": scale(g, k_r, msm),
        "A_b": weighted_sum(
            [g, ag.DR.evaluate(msm), ag.CRnR.evaluate(msm)],
            [k_b, -z2 * k_sk, z3 * k_sk],
            msm,
        ),
        "A_X": scale(ag.y_XR.evaluate(msm), k_r, msm),
        "A_t": weighted_sum([g, h], [-k_b, k_tau], msm),
        "A_u": scale(g_epoch, rng.scalar() if forge_nonce else k_sk, msm),
    }
    if hardened:
        commits["A_E"] = weighted_sum([g, st.auditor], [k_v, k_r], msm)
        commits["A_F"] = weighted_sum([g, h], [k_diff, k_rho], msm)
    c = hash_scalar(x, *commits.values())
    s_sk = (k_sk + c * wit.sk) % Q
    s_r = (k_r + c * wit.r) % Q
    s_b = (k_b + c * (wit.value * z2 + wit.remaining * z3) * w_m) % Q
    s_tau = (k_tau + c * tau_x * w_m) % Q
    if forge_nonce:
        forged = weighted_sum([g_epoch, commits["A_u"]], [s_sk, Q - 1], msm)
        st = replace(st, u=scale(forged, inv(c), msm))
    o = hash_scalar(c)
    ipp = prove_inner_product(evaluate(rp.l0, rp.l1, x), evaluate(rp.r0, rp.r1, x), ys, o, msm)
    common = dict(
        BA=rc.BA, BS=rc.BS, A=A, B=B, f=f, z_A=z_a, T_1=T_1, T_2=T_2, tHat=t_hat, mu=mu,
        L=ipp.L, R=ipp.R, a=ipp.a, b=ipp.b, **parts,
    )  # fmt: skip
    if not hardened:
        proof = CompatTransferProof(
            c=c,
            s_sk=s_sk,
            s_r=s_r,
            s_b=s_b,
            s_tau=s_tau,
            **common,  # type: ignore[arg-type]
        )
        return st, proof.encode()
    hp = HardenedTransferProof(
        **common,  # type: ignore[arg-type]
        **audit,  # type: ignore[arg-type]
        **commits,  # type: ignore[arg-type]
        s_sk=s_sk,
        s_r=s_r,
        s_v=(k_v + c * wit.value) % Q,
        s_diff=(k_diff + c * wit.remaining) % Q,
        s_rho=(k_rho + c * secrets_["rho_f"]) % Q,
        s_tau=s_tau,
        z_s=(w * secrets_["rho_s"] + secrets_["sig_s"]) % Q,
        z_r=(w * secrets_["rho_r"] + secrets_["sig_r"]) % Q,
    )
    return st, hp.encode()
