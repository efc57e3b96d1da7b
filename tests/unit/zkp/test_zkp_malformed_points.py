"""Statement points of the wrong shape (lists, nested lists, a bare int ring) are clear
"malformed" rejections on the reference and fast paths, never uncaught exceptions."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from zkp_testlib import transfer

from zkp import api
from zkp.errors import StatementError
from zkp.fast.backend import fast_backend
from zkp.reference import compat, hardened
from zkp.reference.statements import TransferStatement


def _as_lists(pts: Any) -> list[Any]:
    return [None if p is None else list(p) for p in pts]


def _variants(st: TransferStatement) -> list[tuple[str, TransferStatement]]:
    first = st.y[0]
    return [
        ("y as lists", dataclasses.replace(st, y=_as_lists(st.y))),  # type: ignore[arg-type]
        ("one y as a list", dataclasses.replace(st, y=(list(first), *st.y[1:]))),  # type: ignore[arg-type]
        ("y tuple of lists", dataclasses.replace(st, y=(([first[0]], [first[1]]), *st.y[1:]))),  # type: ignore[arg-type]
        ("CLn as lists", dataclasses.replace(st, CLn=_as_lists(st.CLn))),  # type: ignore[arg-type]
        ("D as a list", dataclasses.replace(st, D=list(st.D))),  # type: ignore[arg-type]
        ("u as a list", dataclasses.replace(st, u=None if st.u is None else list(st.u))),  # type: ignore[arg-type]
        ("three coordinates", dataclasses.replace(st, D=(*st.D, 1))),  # type: ignore[arg-type]
        ("ring is an int", dataclasses.replace(st, y=5)),  # type: ignore[arg-type]
    ]


@pytest.mark.parametrize("mode", ["hardened", "compat"])
def test_list_points_are_malformed_on_every_path(mode: str) -> None:
    st, proof = transfer(2, mode)
    ref = hardened if mode == "hardened" else compat
    assert ref.verify_transfer(st, proof).ok
    for name, bad in _variants(st):
        if name == "u as a list" and st.u is None:
            continue
        with pytest.raises(StatementError):
            bad.validate()
        verdict = ref.verify_transfer(bad, proof)
        assert not verdict.ok and verdict.reason.startswith("malformed"), name
        fast = api.verify_transfer(bad, proof, mode, fast_backend())
        assert fast == verdict, name
