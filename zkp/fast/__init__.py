"""numba fast path for BN254 G1: Montgomery limbs, Jacobian points, bucket MSMs.

Public seam (see ``zkp.fast.msm``): ``msm``, ``FixedBaseMSM``, ``msm_mixed``,
``validate_points``, ``is_on_curve``, ``warm_up`` and the ``Point`` alias.
"""

from zkp.fast.msm import (
    FixedBaseMSM,
    Point,
    is_on_curve,
    msm,
    msm_mixed,
    validate_points,
    warm_up,
)

__all__ = ["FixedBaseMSM", "Point", "is_on_curve", "msm", "msm_mixed", "validate_points", "warm_up"]
