"""The benefit rules (pure): (policy on the first day of a month, household as of that day) → amount.

Every amount comes with its components, each naming the rule and the parameter behind
it, so that a finance officer can answer a resident's "why this amount?".
"""

from .components import Benefit, Component
from .engine import compute_month, first_paid_month, walk, walk_to
from .gradual_exit import DibaoTrack

__all__ = ["Benefit", "Component", "DibaoTrack", "compute_month", "first_paid_month", "walk", "walk_to"]
