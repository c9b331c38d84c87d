"""Policy files: load, validate, inherit, dated values."""

from .dated import UNDEFINED, Dated
from .document import PolicyDocument
from .effective import EffectivePolicy, ParameterValue, chain_problems
from .merge import merge
from .missing import MissingEntry, MissingParameter
from .parse import parse_policies, parse_policy
from .sections import AddonRule, ExitStep, ParameterMap, PolicySnapshot

__all__ = [
    "UNDEFINED",
    "AddonRule",
    "Dated",
    "EffectivePolicy",
    "ExitStep",
    "MissingEntry",
    "MissingParameter",
    "ParameterMap",
    "ParameterValue",
    "PolicyDocument",
    "PolicySnapshot",
    "chain_problems",
    "merge",
    "parse_policies",
    "parse_policy",
]
