"""numba fast path for BN254 G1: Montgomery limbs, Jacobian points, bucket MSMs.

Public seam (see ``zkp.fast.msm``): ``msm``, ``FixedBaseMSM``, ``msm_mixed``,
``validate_points``, ``is_on_curve``, ``warm_up`` and the ``Point`` alias; point
helpers in ``zkp.fast.points``.
"""

from zkp.fast.msm import (
    FixedBaseMSM,
    Point,
    is_on_curve,
    msm,
    msm_many,
    msm_mixed,
    validate_points,
    warm_up,
)
from zkp.fast.points import from_py_ecc, point_add, point_neg, to_py_ecc

__all__ = [
    "FixedBaseMSM",
    "Point",
    "from_py_ecc",
    "is_on_curve",
    "msm",
    "msm_many",
    "msm_mixed",
    "point_add",
    "point_neg",
    "to_py_ecc",
    "validate_points",
    "warm_up",
]
