"""Fast hardened-mode transfer verification: the reference's fused check, flattened.

:func:`prepare_transfer` computes the same group sum as
``zkp.reference.hardened.prepare_transfer`` (same transcript, same weights
``1, ρ, ..., ρ¹³``, same equations), but as one coefficient per point: statement
and proof points are loaded from their bytes in one kernel call, the transcript
hashes slices of the proof bytes, and the scalar algebra runs on plain integers.
The sum is then one fused fixed/variable-base MSM (ADR 0045). Anything unusual
(malformed statement or proof, non-canonical scalar, invalid point, a zero
challenge where the reference inverts) returns ``None``: the caller then runs the
reference verifier, so verdicts and reasons are the reference's in every case.
"""

from __future__ import annotations

from zkp.fast import layout
from zkp.fast.algebra import (
    abi,
    cross,
    hash_to_scalar,
    ip_parts,
    ipa_challenges,
    range_delta,
    ring_rows,
    word,
)
from zkp.fast.fused import Fused, generator_words, load, read_scalars
from zkp.reference import generators as gen
from zkp.reference.field import Q, powers
from zkp.reference.hardened_transcript import FUSE_TAG, TRANSFER_TAG
from zkp.reference.statements import TransferStatement

ANON = ("CLnG", "CRnG", "C_0G", "DG", "y_0G", "gG", "C_XG", "y_XG")
_SCALARS = ("z_A", "tHat", "mu", "s_sk", "s_r", "s_v", "s_diff", "s_rho", "s_tau", "z_s")
_SCALARS2 = ("z_r", "a", "b")


def _uint(value: object) -> bool:
    return isinstance(value, int) and 0 <= value < 1 << 256


def prepare_transfer(st: TransferStatement, proof: bytes) -> Fused | None:
    """The fused check of a hardened transfer, or None to defer to the reference."""
    n = len(st.y)
    if n < 2 or n > 64 or n & (n - 1) or st.auditor is None or st.u is None:
        return None
    if not (len(st.CLn) == len(st.CRn) == len(st.C) == n):
        return None
    if not (_uint(st.epoch) and _uint(st.fee) and _uint(st.chain_id)):
        return None
    if not all(isinstance(pt, tuple) for pt in st.y):
        return None  # the identity or a malformed key: the reference decides
    try:
        if len(set(st.y)) != n:
            return None
    except TypeError:  # unhashable coordinates: malformed, the reference decides
        return None
    m = n.bit_length() - 1
    plan = layout.hardened_transfer(m)
    if not isinstance(proof, bytes) or len(proof) != plan.size:
        return None
    head = [*st.CLn, *st.CRn, *st.C, *st.y, st.D, st.u, st.auditor, gen.g_epoch(st.epoch)]
    loaded = load(plan, head, proof)
    if loaded is None:
        return None
    blob, pts, inf = loaded
    sc = read_scalars(plan, proof, ("f",), 2 * m)
    sc1 = read_scalars(plan, proof, _SCALARS + _SCALARS2, 0)
    if sc is None or sc1 is None:
        return None
    f = sc
    z_a, t_hat, mu, s_sk, s_r, s_v, s_diff, s_rho, s_tau, z_s, z_r, a, b = sc1

    seg = 64 * n
    stmt_hash = hash_to_scalar(
        abi([
            word(TRANSFER_TAG), word(st.chain_id), word(st.epoch), word(st.fee),
            blob[4 * seg + 64 : 4 * seg + 128], blob[4 * seg + 128 : 4 * seg + 192],
            (n, blob[0:seg]), (n, blob[seg : 2 * seg]), (n, blob[2 * seg : 3 * seg]),
            blob[4 * seg : 4 * seg + 64], (n, blob[3 * seg : 4 * seg]),
        ])
    )  # fmt: skip
    by = plan.byte
    v = hash_to_scalar(word(stmt_hash) + proof[0:896])
    w = hash_to_scalar(abi([word(v), *[(m, proof[by[k] : by[k] + 64 * m]) for k in ANON]]))
    y_ch = hash_to_scalar(word(w))
    z = hash_to_scalar(word(y_ch))
    x = hash_to_scalar(word(z) + proof[by["T_1"] : by["T_1"] + 128])
    c = hash_to_scalar(word(x) + proof[by["A_y"] : by["A_y"] + 512])
    o = hash_to_scalar(word(c))
    chal = ipa_challenges(o, proof, by["L"], by["R"])
    if y_ch == 0:
        return None
    rho = hash_to_scalar(FUSE_TAG + word(stmt_hash) + proof) or 1
    W = powers(rho, 14)

    delta = range_delta(y_ch, z)
    f1 = f
    f0 = [(w - e) % Q for e in f]
    r0, r1 = ring_rows(f1, f0, m)
    crs = cross(r0, r1, v)
    wp = powers(w, m + 1)
    w_m = wp[m]
    z2 = z * z % Q
    z3 = z2 * z % Q
    s_b = (s_v * z2 + s_diff * z3) * w_m % Q
    t = (t_hat - delta) % Q
    cw = c * w_m % Q
    f_s = sum(f[k] << k for k in range(m)) % Q
    f_r = sum(f[m + k] << k for k in range(m)) % Q
    fee_w = st.fee * w_m % Q

    k_cln = W[3] * (-z3 * c) % Q
    k_crn = W[3] * z3 * s_sk % Q
    k_cr00 = W[3] * z2 % Q * c % Q
    k_dr = W[3] * (-z2 * s_sk) % Q
    k_yr00 = W[1] * -c % Q
    k_gr = W[1] * s_sk % Q
    k_cxr = W[4] * -c % Q
    k_yxr = W[4] * s_r % Q

    g_co = (
        w_m * k_gr + fee_w * k_cxr + W[2] * s_r + W[3] * (s_b + z2 * fee_w % Q * c)
        + W[5] * (t * cw - s_b) + W[7] * s_v + W[8] * s_diff
        - W[9] * f_s - W[10] * z_s - W[11] * f_r - W[12] * z_r
    )  # fmt: skip
    ip = ip_parts(x, y_ch, mu, t_hat, o, chal, a, b)
    if ip is None:
        return None
    h_ip, lco, rco, bs_co = ip.h, ip.lcoef, ip.rcoef, ip.bs
    h_co = -W[0] * z_a + W[5] * s_tau + W[8] * s_rho + W[13] * h_ip
    w13 = W[13]
    fixed = generator_words(g_co, h_co, ip, a, b, z, w13, f1, f0, m)

    ks = [0] * plan.npoints
    for i in range(n):
        ks[i] = r0[i] * k_cln
        ks[n + i] = r0[i] * k_crn
        ks[2 * n + i] = r0[i] * k_cr00 + crs[i] * k_cxr
        ks[3 * n + i] = r0[i] * k_yr00 + crs[i] * k_yxr
    ks[4 * n] = w_m * k_dr - W[2] * c
    ks[4 * n + 1] = -W[6] * c
    ks[4 * n + 2] = W[7] * s_r - W[9] * z_s - W[11] * z_r
    ks[4 * n + 3] = W[6] * s_sk
    pi = plan.point
    for name, kk in zip(
        ANON, (k_cln, k_crn, k_cr00, k_dr, k_yr00, k_gr, k_cxr, k_yxr), strict=True
    ):
        base = pi[name]
        for j in range(m):
            ks[base + j] = -wp[j] * kk
    for name, val in (
        ("A", W[0]), ("B", W[0] * w), ("A_y", -W[1]), ("A_D", -W[2]), ("A_b", -W[3]),
        ("A_X", -W[4]), ("A_t", -W[5]), ("A_u", -W[6]), ("A_E", -W[7]), ("A_F", -W[8]),
        ("T_1", -W[5] * x % Q * cw), ("T_2", -W[5] * x % Q * x % Q * cw),
        ("E", -W[7] * c), ("F", -W[8] * c),
        ("Es_L", W[9] * w), ("Ms_L", W[9]), ("Es_R", W[10] * w), ("Ms_R", W[10]),
        ("Er_L", W[11] * w), ("Mr_L", W[11]), ("Er_R", W[12] * w), ("Mr_R", W[12]),
        ("BA", -w13), ("BS", w13 * bs_co),
    ):  # fmt: skip
        ks[pi[name]] = val
    for i in range(6):
        ks[pi["L"] + i] = w13 * lco[i]
        ks[pi["R"] + i] = w13 * rco[i]
    return Fused(fixed, pts, inf, ks)
