"""Typed, frozen proof objects and their byte layouts (compat and hardened).

Compat layouts are the reference client's serialisation (``ZetherVerifier.unserialize``
and ``BurnVerifier.unserialize``); the hardened layouts are specified in
``docs/protocol/confidential.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkp.msm import Point
from zkp.reference import codec

Pts = tuple[Point, ...]
Scs = tuple[int, ...]

IP_TRANSFER_ROUNDS = 6
IP_BURN_ROUNDS = 5


def _anon_layout(m: int) -> list[tuple[str, str, int]]:
    return [
        ("CLnG", "pt", m),
        ("CRnG", "pt", m),
        ("C_0G", "pt", m),
        ("DG", "pt", m),
        ("y_0G", "pt", m),
        ("gG", "pt", m),
        ("C_XG", "pt", m),
        ("y_XG", "pt", m),
        ("f", "sc", 2 * m),
        ("z_A", "sc", 0),
    ]


def _ip_layout(rounds: int) -> list[tuple[str, str, int]]:
    return [("L", "pt", rounds), ("R", "pt", rounds), ("a", "sc", 0), ("b", "sc", 0)]


_RANGE = [("T_1", "pt", 0), ("T_2", "pt", 0), ("tHat", "sc", 0), ("mu", "sc", 0)]


def compat_transfer_layout(m: int) -> list[tuple[str, str, int]]:
    """Byte layout of the reference client's transfer proof (1472 + 576 m bytes)."""
    head = [("BA", "pt", 0), ("BS", "pt", 0), ("A", "pt", 0), ("B", "pt", 0)]
    sigma = [("c", "sc", 0), ("s_sk", "sc", 0), ("s_r", "sc", 0), ("s_b", "sc", 0)]
    return head + _anon_layout(m) + _RANGE + sigma + [("s_tau", "sc", 0)] + _ip_layout(6)


COMPAT_BURN_LAYOUT = (
    [("BA", "pt", 0), ("BS", "pt", 0)]
    + _RANGE
    + [("c", "sc", 0), ("s_sk", "sc", 0), ("s_b", "sc", 0), ("s_tau", "sc", 0)]
    + _ip_layout(5)
)

AUDIT_FIELDS = [
    ("E", "pt", 0),
    ("F", "pt", 0),
    ("Es_L", "pt", 0),
    ("Es_R", "pt", 0),
    ("Ms_L", "pt", 0),
    ("Ms_R", "pt", 0),
    ("Er_L", "pt", 0),
    ("Er_R", "pt", 0),
    ("Mr_L", "pt", 0),
    ("Mr_R", "pt", 0),
]

SIGMA_COMMITS = ["A_y", "A_D", "A_b", "A_X", "A_t", "A_u", "A_E", "A_F"]
SIGMA_RESPONSES = ["s_sk", "s_r", "s_v", "s_diff", "s_rho", "s_tau", "z_s", "z_r"]


def hardened_transfer_layout(m: int) -> list[tuple[str, str, int]]:
    """Byte layout of a hardened transfer proof (2720 + 576 m bytes)."""
    head = [("BA", "pt", 0), ("BS", "pt", 0), ("A", "pt", 0), ("B", "pt", 0)]
    commits = [(n, "pt", 0) for n in SIGMA_COMMITS]
    responses = [(n, "sc", 0) for n in SIGMA_RESPONSES]
    return head + AUDIT_FIELDS + _anon_layout(m) + _RANGE + commits + responses + _ip_layout(6)


HARDENED_BURN_LAYOUT = (
    [("BA", "pt", 0), ("BS", "pt", 0)]
    + _RANGE
    + [("A_y", "pt", 0), ("A_b", "pt", 0), ("A_t", "pt", 0), ("A_u", "pt", 0)]
    + [("s_sk", "sc", 0), ("s_b", "sc", 0), ("s_tau", "sc", 0)]
    + _ip_layout(5)
)


@dataclass(frozen=True)
class CompatTransferProof:
    """Reference Anonymous Zether transfer proof."""

    BA: Point
    BS: Point
    A: Point
    B: Point
    CLnG: Pts
    CRnG: Pts
    C_0G: Pts
    DG: Pts
    y_0G: Pts
    gG: Pts
    C_XG: Pts
    y_XG: Pts
    f: Scs
    z_A: int
    T_1: Point
    T_2: Point
    tHat: int
    mu: int
    c: int
    s_sk: int
    s_r: int
    s_b: int
    s_tau: int
    L: Pts
    R: Pts
    a: int
    b: int

    @property
    def m(self) -> int:
        """log2 of the anonymity set size."""
        return len(self.CLnG)

    @classmethod
    def decode(cls, data: bytes, n: int) -> CompatTransferProof:
        """Decode for an anonymity set of ``n`` (compat: scalars taken as raw uint256)."""
        m = codec.ring_log(n)
        return cls(**codec.decode(data, compat_transfer_layout(m), "transfer proof", False))

    def encode(self) -> bytes:
        """Serialise exactly as the reference client does."""
        return codec.encode(self, compat_transfer_layout(self.m))


@dataclass(frozen=True)
class CompatBurnProof:
    """Reference Anonymous Zether burn proof (1152 bytes)."""

    BA: Point
    BS: Point
    T_1: Point
    T_2: Point
    tHat: int
    mu: int
    c: int
    s_sk: int
    s_b: int
    s_tau: int
    L: Pts
    R: Pts
    a: int
    b: int

    @classmethod
    def decode(cls, data: bytes) -> CompatBurnProof:
        """Decode a reference burn proof."""
        return cls(**codec.decode(data, COMPAT_BURN_LAYOUT, "burn proof", False))

    def encode(self) -> bytes:
        """Serialise exactly as the reference client does."""
        return codec.encode(self, COMPAT_BURN_LAYOUT)


@dataclass(frozen=True)
class HardenedTransferProof:
    """Hardened transfer proof: Σ commitments instead of the challenge, auditor fields."""

    BA: Point
    BS: Point
    A: Point
    B: Point
    E: Point
    F: Point
    Es_L: Point
    Es_R: Point
    Ms_L: Point
    Ms_R: Point
    Er_L: Point
    Er_R: Point
    Mr_L: Point
    Mr_R: Point
    CLnG: Pts
    CRnG: Pts
    C_0G: Pts
    DG: Pts
    y_0G: Pts
    gG: Pts
    C_XG: Pts
    y_XG: Pts
    f: Scs
    z_A: int
    T_1: Point
    T_2: Point
    tHat: int
    mu: int
    A_y: Point
    A_D: Point
    A_b: Point
    A_X: Point
    A_t: Point
    A_u: Point
    A_E: Point
    A_F: Point
    s_sk: int
    s_r: int
    s_v: int
    s_diff: int
    s_rho: int
    s_tau: int
    z_s: int
    z_r: int
    L: Pts
    R: Pts
    a: int
    b: int

    @property
    def m(self) -> int:
        """log2 of the anonymity set size."""
        return len(self.CLnG)

    @classmethod
    def decode(cls, data: bytes, n: int) -> HardenedTransferProof:
        """Decode, rejecting non-canonical scalars and invalid points."""
        m = codec.ring_log(n)
        return cls(**codec.decode(data, hardened_transfer_layout(m), "hardened transfer", True))

    def encode(self) -> bytes:
        """Serialise per ``docs/protocol/confidential.md``."""
        return codec.encode(self, hardened_transfer_layout(self.m))


@dataclass(frozen=True)
class HardenedBurnProof:
    """Hardened burn proof: Σ commitments instead of the challenge."""

    BA: Point
    BS: Point
    T_1: Point
    T_2: Point
    tHat: int
    mu: int
    A_y: Point
    A_b: Point
    A_t: Point
    A_u: Point
    s_sk: int
    s_b: int
    s_tau: int
    L: Pts
    R: Pts
    a: int
    b: int

    @classmethod
    def decode(cls, data: bytes) -> HardenedBurnProof:
        """Decode, rejecting non-canonical scalars and invalid points."""
        return cls(**codec.decode(data, HARDENED_BURN_LAYOUT, "hardened burn", True))

    def encode(self) -> bytes:
        """Serialise per ``docs/protocol/confidential.md``."""
        return codec.encode(self, HARDENED_BURN_LAYOUT)
