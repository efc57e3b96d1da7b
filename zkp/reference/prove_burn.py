"""Burn prover (wallet side), compat and hardened.

Proves knowledge of the key of ``y``, that the balance left after burning a public
amount is a 32-bit value, and that ``u`` is the epoch nonce of that key.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkp.errors import ProverError
from zkp.msm import MSM, reference_msm
from zkp.reference import generators as gen
from zkp.reference.field import Q
from zkp.reference.hardened_transcript import burn_statement_hash
from zkp.reference.ipa import range_constants
from zkp.reference.proofs import CompatBurnProof, HardenedBurnProof
from zkp.reference.prover_parts import (
    evaluate,
    pedersen,
    prove_inner_product,
    range_commit,
    range_polys,
    scale,
    weighted_sum,
)
from zkp.reference.rng import Rng
from zkp.reference.statements import BurnStatement
from zkp.reference.transcript import hash_scalar


@dataclass(frozen=True)
class BurnWitness:
    """The burner's key and remaining balance."""

    sk: int
    remaining: int


def prove_burn(
    st: BurnStatement,
    wit: BurnWitness,
    rng: Rng,
    mode: str = "hardened",
    msm: MSM = reference_msm,
) -> bytes:
    """Prove a burn; returns the proof bytes in ``mode``'s format (same for every ``msm``)."""
    if not 0 <= wit.remaining < 1 << 32:
        raise ProverError("remaining balance must be 32-bit")
    hardened = mode == "hardened"
    g, h = gen.g(), gen.h()
    if hardened:
        stmt_hash = burn_statement_hash(st)
    else:
        stmt_hash = hash_scalar(st.CLn, st.CRn, st.y, st.epoch, st.sender)
    rc = range_commit(wit.remaining, 32, rng, msm)
    y_ch = hash_scalar(stmt_hash, rc.BA, rc.BS)
    z = hash_scalar(y_ch)
    ys, twos, _ = range_constants(y_ch, z, 32)
    rp = range_polys(rc, ys, twos, z)
    tau1, tau2 = rng.scalar(), rng.scalar()
    T_1, T_2 = pedersen(rp.t[1], tau1, msm), pedersen(rp.t[2], tau2, msm)
    x = hash_scalar(z, T_1, T_2)
    t_hat = (rp.t[0] + rp.t[1] * x + rp.t[2] * x * x) % Q
    tau_x = (tau1 * x + tau2 * x * x) % Q
    mu = (rc.alpha + rc.rho * x) % Q
    z2 = z * z % Q
    k_sk, k_b, k_tau = rng.scalar(), rng.scalar(), rng.scalar()
    A_y = scale(g, k_sk, msm)
    A_b = weighted_sum([g, st.CRn], [k_b, z2 * k_sk], msm)
    A_t = weighted_sum([g, h], [-k_b, k_tau], msm)
    A_u = scale(gen.g_epoch(st.epoch), k_sk, msm)
    c = hash_scalar(x, A_y, A_b, A_t, A_u)
    s_sk = (k_sk + c * wit.sk) % Q
    s_b = (k_b + c * wit.remaining * z2) % Q
    s_tau = (k_tau + c * tau_x) % Q
    o = hash_scalar(c)
    ipp = prove_inner_product(evaluate(rp.l0, rp.l1, x), evaluate(rp.r0, rp.r1, x), ys, o, msm)
    common = dict(
        BA=rc.BA, BS=rc.BS, T_1=T_1, T_2=T_2, tHat=t_hat, mu=mu, s_sk=s_sk, s_b=s_b,
        s_tau=s_tau, L=ipp.L, R=ipp.R, a=ipp.a, b=ipp.b,
    )  # fmt: skip
    if hardened:
        return HardenedBurnProof(A_y=A_y, A_b=A_b, A_t=A_t, A_u=A_u, **common).encode()  # type: ignore[arg-type]
    return CompatBurnProof(c=c, **common).encode()  # type: ignore[arg-type]
