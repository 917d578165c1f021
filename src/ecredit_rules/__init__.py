"""ecredit-rules: Chinese local e-commerce credit regulations as YAML rulesets, with cited verdicts.

>>> import ecredit_rules as ec
>>> ec.available_rulesets()
['benxi', 'lingyuan', 'nanan', 'tuquan', 'xining']
"""

from .bundled import available_rulesets
from .compare import Comparison, compare
from .errors import FactsError, Problem, RulesetError
from .evaluate import evaluate
from .facts import Facts
from .ir import CompiledRuleset as Ruleset
from .loader import load_ruleset
from .registry import RulesetRegistry
from .report import Citation, RatingResult, Report, Undetermined, Verdict

__all__ = [
    "Citation",
    "Comparison",
    "Facts",
    "FactsError",
    "Problem",
    "RatingResult",
    "Report",
    "Ruleset",
    "RulesetError",
    "RulesetRegistry",
    "Undetermined",
    "Verdict",
    "available_rulesets",
    "compare",
    "evaluate",
    "load_ruleset",
]
