"""What the command-line tools share: argument types that reject bad values at parse time
(argparse then ends with one ``error:`` line naming the option) and error messages."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def os_message(exc: OSError) -> str:
    """``<file>: <reason>`` for an OSError (without Python's ``[Errno n]`` noise)."""
    if exc.filename is not None and exc.strerror:
        return f"{exc.filename}: {exc.strerror}"
    return exc.strerror or str(exc)


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def port(text: str) -> int:
    """A TCP port, 1..65535."""
    value = _int(text)
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (1..65535)")
    return value


def int_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: an integer in ``low..high`` (no upper bound if ``high`` is None)."""

    def parse(text: str) -> int:
        value = _int(text)
        if value < low or (high is not None and value > high):
            bounds = f">= {low}" if high is None else f"in {low}..{high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    return parse


def finite_float(minimum: float, inclusive: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number above ``minimum`` (or equal, if ``inclusive``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        ok = value >= minimum if inclusive else value > minimum
        if not math.isfinite(value) or not ok:
            rel = ">=" if inclusive else ">"
            raise argparse.ArgumentTypeError(
                f"must be a finite number {rel} {minimum:g}, got {text}"
            )
        return value

    return parse
