"""Fast compat-mode transfer verification: the reference contract's rules, flattened.

Same steps and verdicts as ``zkp.reference.compat.verify_transfer`` (ADR 0045):
transcript over slices of the proof bytes, the point-FFT revert replay (ADR 0051,
in one kernel per base: ADR 0047),
the ``tEval`` revert, the six Σ commitments and ``tEval`` in one batched kernel call
on the loaded points, the challenge comparison, then the recovery and inner-product
checks fused into one MSM with the reference's weight. Scalars are raw uint256
(the contract's ``Utils`` quirks included). ``None`` means "not handled here": the
caller runs the reference verifier.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from zkp.fast import layout, replay
from zkp.fast.algebra import (
    abi,
    cross,
    hash_to_scalar,
    ip_parts,
    ipa_challenges,
    keccak,
    range_delta,
    ring_rows,
    word,
)
from zkp.fast.fused import Fused, generator_words, load, read_scalars
from zkp.fast.msm import ManyPlan, many_plan, many_rows, many_rows_planned
from zkp.reference import generators as gen
from zkp.reference.compat import COMPAT_FEE
from zkp.reference.evm_quirks import _FFT_REVERT as FFT_REVERT
from zkp.reference.field import Q, evm_neg, evm_sub, powers
from zkp.reference.statements import TransferStatement
from zkp.verdict import ACCEPT, Verdict, reject

ANON = ("CLnG", "CRnG", "C_0G", "DG", "y_0G", "gG", "C_XG", "y_XG")
_SCALARS = ("z_A", "tHat", "mu", "c", "s_sk", "s_r", "s_b", "s_tau", "a", "b")
_FUSE_TAG = b"drex/zether/compat/fuse"
FAILURE = "recovery or inner-product check failed"
_SUMS_FROM = 8  # from this N, CR00 and yR00 come from the replay (one chain saves N-1 terms)


def _uint(value: object) -> bool:
    return isinstance(value, int) and 0 <= value < 1 << 256


def verify_transfer(st: TransferStatement, proof: bytes) -> Verdict | None:
    """The compat verdict, or None to defer to the reference verifier."""
    n = len(st.y)
    if n < 2 or n > 64 or n & (n - 1) or not (len(st.CLn) == len(st.CRn) == len(st.C) == n):
        return None
    if not (_uint(st.epoch) and _uint(st.fee) and _uint(st.chain_id)):
        return None
    # the reference validates u and auditor too (points or None)
    m = n.bit_length() - 1
    plan = layout.compat_transfer(m)
    if not isinstance(proof, bytes) or len(proof) != plan.size:
        return None
    head = [*st.CLn, *st.CRn, *st.C, *st.y, st.D, st.u, gen.g_epoch(st.epoch), gen.g(), gen.h()]
    loaded = load(plan, head, proof)
    if loaded is None or not _auditor_ok(st):
        return None
    blob, pts, inf = loaded
    f = read_scalars(plan, proof, ("f",), 2 * m, canonical=False)
    sc = read_scalars(plan, proof, _SCALARS, 0, canonical=False)
    if f is None or sc is None:
        return None
    z_a, t_hat, mu, p_c, s_sk, s_r, s_b, s_tau, a, b = sc

    seg = 64 * n
    stmt_hash = hash_to_scalar(
        abi([
            (n, blob[0:seg]), (n, blob[seg : 2 * seg]), (n, blob[2 * seg : 3 * seg]),
            blob[4 * seg : 4 * seg + 64], (n, blob[3 * seg : 4 * seg]), word(st.epoch),
        ])
    )  # fmt: skip
    by = plan.byte
    v = hash_to_scalar(word(stmt_hash) + proof[0:256])
    w = hash_to_scalar(abi([word(v), *[(m, proof[by[k] : by[k] + 64 * m]) for k in ANON]]))
    f1 = [e % Q for e in f]
    f0 = [evm_sub(w, e) % Q for e in f]
    r0, r1 = ring_rows(f1, f0, m)
    bases = [(pts[4 * n : 6 * n], inf[2 * n : 3 * n]), (pts[6 * n : 8 * n], inf[3 * n : 4 * n])]
    sums = n >= _SUMS_FROM
    reverted, sum_rows, sum_inf = replay.replay(r0, r1, bases, sums)
    if reverted:
        return reject(f"reference contract reverts: {FFT_REVERT}")
    crs = cross(r0, r1, v)
    wp = powers(w, m + 1)
    w_m = wp[m]
    neg_w = [(-e) % Q for e in wp[:m]]

    y_ch = hash_to_scalar(word(w))
    z = hash_to_scalar(word(y_ch))
    if y_ch == 0:
        return None
    delta = range_delta(y_ch, z)
    z2 = z * z % Q
    z3 = z2 * z % Q
    t = evm_sub(t_hat, delta)
    x = hash_to_scalar(word(z) + proof[by["T_1"] : by["T_1"] + 128])
    x2 = x * x % Q
    cneg = evm_neg(p_c)
    cw = p_c * w_m % Q

    pi = plan.point

    # CR00 = Σ r0[i]·C_i and yR00 = Σ r0[i]·y_i: from the replay's sums (times h) when
    # it made them, else as ring terms. Scalars in the order of _sigma_ids' terms.
    h_inv = pow(n // 2, -1, Q)
    k1, k2, k3, k4 = -z2 * s_sk, z3 * s_sk, -z2 * cneg, z3 * cneg
    scalars = [x, x2, w_m * s_sk, *[e * s_sk for e in neg_w]]
    scalars += [cneg * h_inv] if sums else [e * cneg for e in r0]
    scalars += [e * cneg for e in neg_w]
    scalars += [s_r, cneg, w_m * k1, *[e * k1 for e in neg_w], *[e * k2 for e in r0]]
    scalars += [e * k2 for e in neg_w]
    scalars.append(s_b)  # + (-z2 · COMPAT_FEE · w_m · cneg) = 0
    scalars += [-z2 * cneg * h_inv] if sums else [e * k3 for e in r0]
    scalars += [*[e * k3 for e in neg_w], *[e * k4 for e in r0], *[e * k4 for e in neg_w]]
    scalars += [e * s_r for e in crs]
    scalars += [*[e * s_r for e in neg_w], *[e * cneg for e in crs], *[e * cneg for e in neg_w]]
    scalars += [t * cw + evm_neg(s_b), -x * cw, -x2 * cw, s_tau, s_sk, cneg]
    job_ids, many = _sigma_ids(n)
    rows, flags = (
        (np.concatenate([pts, sum_rows]), np.concatenate([inf, sum_inf])) if sums else (pts, inf)
    )
    if many is not None:
        results = many_rows_planned(rows, flags, many, scalars)
    else:
        jobs, at = [], 0
        for ids in job_ids:
            jobs.append((ids, [k % Q for k in scalars[at : at + len(ids)]]))
            at += len(ids)
        results = many_rows(rows, flags, jobs)
    if results[0] is None:
        return reject("reference contract reverts: Utils.neg of tEval = O")
    zero = bytes(64)
    c = hash_to_scalar(word(x) + b"".join(r or zero for r in results[1:]))
    if c != p_c:
        return reject("sigma challenge mismatch")

    o = hash_to_scalar(word(c))
    chal = ipa_challenges(o, proof, by["L"], by["R"])
    digest = keccak(word(stmt_hash) + proof)
    rho = hash_to_scalar(_FUSE_TAG + digest) or 1
    ip = ip_parts(x, y_ch, mu, t_hat, o, chal, a, b)
    if ip is None:
        return None
    h_ip, lco, rco, bs_co = ip.h, ip.lcoef, ip.rcoef, ip.bs
    fixed = generator_words(0, -z_a + rho * h_ip, ip, a, b, z, rho, f1, f0, m)
    # only A, B, BA, BS, L and R have coefficients: the MSM gets just those 16 points
    ids = [pi["A"], pi["B"], pi["BA"], pi["BS"], *range(pi["L"], pi["L"] + 6)]
    ids.extend(range(pi["R"], pi["R"] + 6))
    ks = [1, w, -rho, rho * bs_co, *[rho * e for e in lco], *[rho * e for e in rco]]
    sel = np.array(ids, dtype=np.int64)
    rows = pts.reshape(-1, 2, pts.shape[1])[sel].reshape(-1, pts.shape[1])
    check = Fused(fixed, rows, inf[sel], ks)
    return ACCEPT if check.holds() else reject(FAILURE)


@cache
def _sigma_ids(n: int) -> tuple[list[list[int]], ManyPlan | None]:
    """Point indices of the six Σ commitments' and ``tEval``'s MSM jobs at ring size n
    (the terms whose scalars ``verify_transfer`` lists in the same order), and their
    kernel plan (None when a job is too large for one GLV-Straus call).

    ``g`` given twice in a job (``A_b``, ``A_t``) is one term with the summed scalar, and
    the fee terms ``COMPAT_FEE · … · g`` (``COMPAT_FEE = 0``) are left out.
    """
    m = n.bit_length() - 1
    plan = layout.compat_transfer(m)
    pi = plan.point
    cl, cr, cc, yy = 0, n, 2 * n, 3 * n
    d_i, u_i, ge_i, g_i, h_i = 4 * n, 4 * n + 1, 4 * n + 2, 4 * n + 3, 4 * n + 4
    t1, t2 = pi["T_1"], pi["T_2"]
    sums = n >= _SUMS_FROM

    def anon(name: str) -> list[int]:
        return [pi[name] + j for j in range(m)]

    def ring(base: int) -> list[int]:
        return [base + i for i in range(n)]

    yr00 = [plan.npoints + 1] if sums else ring(yy)
    cr00 = [plan.npoints] if sums else ring(cc)
    jobs = [
        [t1, t2],
        [g_i, *anon("gG"), *yr00, *anon("y_0G")],
        [g_i, d_i],
        [d_i, *anon("DG"), *ring(cr), *anon("CRnG"), g_i, *cr00, *anon("C_0G"),
         *ring(cl), *anon("CLnG")],
        [*ring(yy), *anon("y_XG"), *ring(cc), *anon("C_XG")],
        [g_i, t1, t2, h_i],
        [ge_i, u_i],
    ]  # fmt: skip
    return jobs, many_plan(jobs)


if COMPAT_FEE != 0:  # pragma: no cover - a constant of the reference contract
    raise RuntimeError("_sigma_ids leaves out the fee terms: COMPAT_FEE must be 0")


def _auditor_ok(st: TransferStatement) -> bool:
    """The reference's ``validate`` also checks ``auditor`` (ignored in compat)."""
    y = st.auditor
    if y is None:
        return True
    if not (isinstance(y, tuple) and len(y) == 2):
        return False
    if not (isinstance(y[0], int) and isinstance(y[1], int)):
        return False
    from zkp.reference.curve import is_on_curve

    return is_on_curve(y)
