"""Model-family registry: importing this package registers every built-in family."""

from photogenic.train.families import (  # noqa: F401  (registration)
    amused,
    deepfloyd_if,
    emu,
    sd,
    sd3,
    sdxl,
)
from photogenic.train.families.base import FAMILIES, ModelFamily, RandomModelSpec, family_for

__all__ = ["FAMILIES", "ModelFamily", "RandomModelSpec", "family_for"]
