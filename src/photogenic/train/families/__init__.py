"""Model-family registry: importing this package registers every built-in family."""

from photogenic.train.families import deepfloyd_if, emu, sd, sd3, sdxl  # noqa: F401  (registration)
from photogenic.train.families.base import FAMILIES, ModelFamily, RandomModelSpec, family_for

__all__ = ["FAMILIES", "ModelFamily", "RandomModelSpec", "family_for"]
