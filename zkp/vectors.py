"""``python -m zkp.vectors PATH --mode compat --json``: replay Anonymous Zether vectors.

Prints ``{"cases": n, "agree": k, "disagree": [ids]}`` where agreement means our
verdict equals the file's ``evm_accepts`` (compat) — or, in hardened mode, that the
compat-format proofs are rejected (they are a different format).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from zkp.msm import Point
from zkp.reference import compat, hardened
from zkp.reference.statements import BurnStatement, TransferStatement
from zkp.verdict import Verdict


def _pt(value: Sequence[str]) -> Point:
    x, y = int(value[0], 16), int(value[1], 16)
    return None if x == 0 and y == 0 else (x, y)


def _pts(values: Sequence[Sequence[str]]) -> tuple[Point, ...]:
    return tuple(_pt(v) for v in values)


def case_statement(case: dict[str, Any]) -> TransferStatement | BurnStatement:
    """The statement a vector case is verified against."""
    if case["kind"] == "burn":
        return BurnStatement(
            CLn=_pt(case["CLn"]),
            CRn=_pt(case["CRn"]),
            y=_pt(case["y"]),
            epoch=int(case["epoch"]),
            sender=int(case["sender"], 16),
            u=_pt(case["u"]),
        )
    return TransferStatement(
        CLn=_pts(case["CLn"]),
        CRn=_pts(case["CRn"]),
        C=_pts(case["C"]),
        D=_pt(case["D"]),
        y=_pts(case["y"]),
        epoch=int(case["epoch"]),
        u=_pt(case["u"]),
        fee=int(case.get("fee", 0)),
    )


def case_proof(case: dict[str, Any]) -> bytes:
    """The case's proof bytes."""
    text = case["proof"]
    return bytes.fromhex(text[2:] if text.startswith("0x") else text)


def verify_case(case: dict[str, Any], mode: str) -> Verdict:
    """Verify one vector case in ``mode``."""
    st = case_statement(case)
    proof = case_proof(case)
    if mode == "compat":
        if isinstance(st, BurnStatement):
            return compat.verify_burn(st, proof)
        return compat.verify_transfer(st, proof)
    if isinstance(st, BurnStatement):
        return hardened.verify_burn(st, proof)
    return hardened.verify_transfer(st, proof)


def iter_cases(path: Path, only: set[str] | None = None) -> Iterator[dict[str, Any]]:
    """Cases of a vector file, optionally filtered by id."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for case in data["vectors"]:
        if only is None or case["id"] in only:
            yield case


def run(path: Path, mode: str, only: set[str] | None = None) -> dict[str, Any]:
    """Replay and summarise."""
    cases = agree = 0
    disagree: list[str] = []
    for case in iter_cases(path, only):
        cases += 1
        verdict = verify_case(case, mode)
        expected = bool(case["evm_accepts"]) if mode == "compat" else False
        print(f"{case['id']}: {verdict.ok} ({verdict.reason})", file=sys.stderr)
        if verdict.ok == expected:
            agree += 1
        else:
            disagree.append(case["id"])
    return {"cases": cases, "agree": agree, "disagree": disagree}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m zkp.vectors", description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--mode", choices=["compat", "hardened"], default="compat")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--only", action="append", help="case id (repeatable)")
    args = parser.parse_args(argv)
    try:
        result = run(args.path, args.mode, set(args.only) if args.only else None)
    except (OSError, ValueError, KeyError) as exc:
        print(f"zkp.vectors: cannot read {args.path}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else json.dumps(result, indent=2))
    return 0 if not result["disagree"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
