"""Verification results as data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """Outcome of a verification: ``ok`` plus a short machine-readable reason."""

    ok: bool
    reason: str = "ok"

    def __bool__(self) -> bool:
        return self.ok


ACCEPT = Verdict(True, "ok")


def reject(reason: str) -> Verdict:
    """A failed verification with ``reason``."""
    return Verdict(False, reason)
