"""The one numba decorator every kernel in ``zkp.fast`` uses (ADR 0040).

All kernels are compiled with ``cache=True`` and ``nogil=True`` (so a caller may
run independent MSMs on several threads, one per core).

numba keys a cached kernel on its own source file only, so a kernel that inlines
code from another edited file would reload stale machine code.  The cache
therefore lives in a directory named after a digest of every kernel module of
this package: any kernel edit starts a fresh cache, and a cold or warm process
always runs the code that is on disk.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import numba

F = TypeVar("F", bound=Callable[..., Any])

_PACKAGE = Path(__file__).resolve().parent
_config: Any = numba.config


def _source_digest() -> str:
    """SHA-256 over the modules that define kernels or intrinsics (names and contents),
    and the ``DREX_ZKP_NO_ASM`` switch of ``mont64`` (ADR 0052).

    ``mont64`` builds its intrinsics with ``intrinsic(...)`` calls, not the decorator:
    it is matched by ``intrinsic(`` (it was missed before, so an edit of it alone
    reloaded stale kernels).
    """
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE.glob("*.py")):
        source = path.read_bytes()
        if b"@kernel" in source or b"@intrinsic" in source or b"intrinsic(" in source:
            digest.update(path.name.encode())
            digest.update(source)
    digest.update(os.environ.get("DREX_ZKP_NO_ASM", "").encode())
    return digest.hexdigest()[:16]


def _cache_dir() -> Path:
    """Next to the sources when writable, else under the user's cache directory."""
    name = f"numba-{_source_digest()}"
    candidates = (
        _PACKAGE / "__pycache__" / name,
        Path.home() / ".cache" / "drex-node" / "zkp-fast" / name,
        Path(tempfile.gettempdir()) / "drex-node-zkp-fast" / name,
    )
    for path in candidates:
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(path, os.W_OK):
            return path
    return candidates[-1]


CACHE_DIR = _cache_dir()


def kernel(fn: F) -> F:
    """Compile ``fn`` with numba in nopython mode, cached on disk, releasing the GIL."""
    return _compile(fn, False)


def kernel_inline(fn: F) -> F:
    """:func:`kernel`, always inlined by LLVM into its numba callers (ADR 0048).

    For the field multiplication: LLVM's inliner keeps some of its ~150-instruction
    bodies as out-of-line calls (tuples passed through memory, a status check per call).
    """
    return _compile(fn, True)


def _compile(fn: F, inline: bool) -> F:
    saved = _config.CACHE_DIR
    _config.CACHE_DIR = str(CACHE_DIR)
    try:
        jit = numba.njit(cache=True, nogil=True, boundscheck=False, forceinline=inline)
        return cast(F, jit(fn))
    finally:
        _config.CACHE_DIR = saved
