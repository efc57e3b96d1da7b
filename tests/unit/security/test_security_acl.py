"""The method -> roles table: deny by default, central-bank operators, voting roles."""

from __future__ import annotations

import pytest

from drex_node.security.acl import (
    CENTRAL_BANK_OPERATOR,
    METHOD_GRANTS,
    Authorizer,
    DenyReason,
)
from drex_node.security.identity import NODE_ROLES, VOTING_ROLES, Identity, Role

AUTH = Authorizer(central_bank_institution="bcb")


def test_unknown_method_is_denied_for_every_role() -> None:
    for role in Role:
        denial = AUTH.check("/drex.ledger.v1.Ledger/DropTables", Identity("bcb", role))
        assert denial is not None and denial.reason is DenyReason.METHOD_NOT_ALLOWED


@pytest.mark.parametrize("method", [m for m in METHOD_GRANTS if "/drex.consensus.v1." in m])
def test_only_voting_roles_send_consensus_messages(method: str) -> None:
    for role in Role:
        expected = role in VOTING_ROLES or (
            method.endswith("StreamCommitted") and role in NODE_ROLES
        )
        assert AUTH.allowed(method, Identity("bank", role)) is expected, (method, role)


@pytest.mark.parametrize("method", [m for m in METHOD_GRANTS if "/drex.admin.v1." in m])
def test_admin_is_central_bank_and_its_operators_only(method: str) -> None:
    assert AUTH.allowed(method, Identity("bcb", Role.CENTRAL_BANK))
    assert AUTH.allowed(method, Identity("bcb", Role.OPERATOR))
    assert not AUTH.allowed(method, Identity("12345678", Role.OPERATOR))
    assert not AUTH.allowed(method, Identity("12345678", Role.TIER1))
    assert not Authorizer().allowed(method, Identity("bcb", Role.OPERATOR))


def test_audit_stream_is_for_supervisors() -> None:
    method = "/drex.audit.v1.Audit/StreamAuditBlocks"
    allowed = {r for r in Role if AUTH.allowed(method, Identity("x", r))}
    assert allowed == {Role.AUDIT, Role.CENTRAL_BANK}


def test_audit_role_reads_but_does_not_submit() -> None:
    audit = Identity("regulator", Role.AUDIT)
    assert AUTH.allowed("/drex.ledger.v1.Ledger/GetAccount", audit)
    assert not AUTH.allowed("/drex.ledger.v1.Ledger/SubmitTransaction", audit)


def test_every_grant_is_a_role_or_the_central_bank_operator() -> None:
    for grants in METHOD_GRANTS.values():
        assert grants
        for grant in grants:
            assert isinstance(grant, Role) or grant == CENTRAL_BANK_OPERATOR


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        METHOD_GRANTS["/x/y"] = frozenset()  # type: ignore[index]
