"""Who is calling: an (institution, role) pair carried in a certificate's SAN URI.

The URI form is ``drex://<institution>/<role>``. Institution ids are lower-case
DNS-label-like tokens (the 8-digit CNPJ root of a bank, ``bcb``, ...), so that
the URI is well formed without escaping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

URI_SCHEME = "drex"
_INSTITUTION_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


class Role(StrEnum):
    """Roles a certificate can carry. Node roles mirror the config ``role =``."""

    CENTRAL_BANK = "central-bank"
    TIER1 = "tier1"
    TIER2 = "tier2"
    TIER3 = "tier3"
    EDGE = "edge"
    AUDIT = "audit"
    # A person or tool operating a node of its institution (CLI, dashboards).
    OPERATOR = "operator"
    # An end-user gateway (wallet backend); users themselves sign transactions.
    CLIENT = "client"


NODE_ROLES: frozenset[Role] = frozenset(
    {Role.CENTRAL_BANK, Role.TIER1, Role.TIER2, Role.TIER3, Role.EDGE, Role.AUDIT}
)
VOTING_ROLES: frozenset[Role] = frozenset({Role.CENTRAL_BANK, Role.TIER1})


class IdentityError(ValueError):
    """A peer identity could not be established (missing, malformed, ambiguous)."""


def validate_institution(institution: str) -> str:
    """Return ``institution`` if it is a valid institution id, else raise IdentityError."""
    if not _INSTITUTION_RE.match(institution):
        raise IdentityError(
            f"invalid institution id {institution!r}: use 1-63 of [a-z0-9-], "
            "not starting or ending with '-'"
        )
    return institution


@dataclass(frozen=True, slots=True)
class Identity:
    """An authenticated peer: the institution it belongs to and the role it acts in."""

    institution: str
    role: Role

    def __post_init__(self) -> None:
        validate_institution(self.institution)
        if not isinstance(self.role, Role):
            raise IdentityError(f"role must be a Role, got {self.role!r}")

    @property
    def uri(self) -> str:
        """The SAN URI that carries this identity in a certificate."""
        return f"{URI_SCHEME}://{self.institution}/{self.role.value}"

    @classmethod
    def parse_uri(cls, uri: str) -> Identity:
        """Parse ``drex://<institution>/<role>``; raise IdentityError otherwise."""
        prefix = f"{URI_SCHEME}://"
        if not uri.startswith(prefix):
            raise IdentityError(f"not a {URI_SCHEME}:// URI: {uri!r}")
        parts = uri[len(prefix) :].split("/")
        if len(parts) != 2:
            raise IdentityError(f"expected {prefix}<institution>/<role>, got {uri!r}")
        institution, role = parts
        try:
            parsed_role = Role(role)
        except ValueError:
            raise IdentityError(f"unknown role {role!r} in {uri!r}") from None
        return cls(validate_institution(institution), parsed_role)

    def __str__(self) -> str:
        return self.uri
