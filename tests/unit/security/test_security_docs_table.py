"""docs/operator/security.md documents exactly the access table in the code."""

from __future__ import annotations

import re
from pathlib import Path

from drex_node.security.acl import METHOD_GRANTS

DOC = Path(__file__).resolve().parents[3] / "docs" / "operator" / "security.md"
ROW = re.compile(r"^\| `(/[^`]+)` \| ([^|]+) \|$")


def test_documented_table_matches_code() -> None:
    documented = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            documented[match.group(1)] = {g.strip() for g in match.group(2).split(",")}
    in_code = {method: {str(g) for g in grants} for method, grants in METHOD_GRANTS.items()}
    assert documented == in_code
