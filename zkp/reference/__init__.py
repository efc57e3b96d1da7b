"""Readable reference implementation (the spec) of the Zether proofs on py-ecc."""
