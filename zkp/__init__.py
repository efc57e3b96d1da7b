"""Confidential transfers: Zether-style proofs on BN254 (py-ecc reference, numba fast path)."""
