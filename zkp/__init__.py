"""Confidential transfers: Zether-style proofs on BN254 (py-ecc reference, numba fast path).

- :mod:`zkp.api` — verify transfers/burns in ``hardened`` (default) or ``compat`` mode;
- :mod:`zkp.batch` — fold many proofs into one MSM, bisect to name bad ones;
- :mod:`zkp.msm` — the MSM seam (``Point``, ``MSM``, ``reference_msm``);
- :mod:`zkp.reference` — the readable spec: generators, transcript, verifiers, provers,
  wallet, auditor;
- :mod:`zkp.vectors` — ``python -m zkp.vectors PATH --mode compat --json``.

Protocol: ``docs/protocol/confidential.md``; decisions: ADRs 0010–0012.
"""
