"""Helpers for reading the shared Anonymous Zether vectors in tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

AZ_PATH = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "vectors"
    / "anonymous-zether"
    / "az_vectors.json"
)


@cache
def az_data() -> dict[str, Any]:
    return json.loads(AZ_PATH.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def az_case(case_id: str) -> dict[str, Any]:
    for case in az_data()["vectors"]:
        if case["id"] == case_id:
            return case  # type: ignore[no-any-return]
    raise KeyError(case_id)
