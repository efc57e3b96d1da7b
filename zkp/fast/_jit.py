"""The one numba decorator every kernel in ``zkp.fast`` uses (ADR 0040).

All kernels are compiled with ``cache=True`` (machine code is stored next to the
sources in ``__pycache__`` and reloaded by later processes) and ``nogil=True`` (so
a caller may run independent MSMs on several threads, one per core).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])


def kernel(fn: F) -> F:
    """Compile ``fn`` with numba in nopython mode, cached on disk, releasing the GIL."""
    return cast(F, numba.njit(cache=True, nogil=True, boundscheck=False)(fn))
