"""ecredit-rules: Chinese local e-commerce credit regulations as YAML rulesets, with cited verdicts.

>>> import ecredit_rules as ec
>>> ec.available_rulesets()
['benxi', 'lingyuan', 'nanan', 'tuquan', 'xining']
"""

from .batch.records import RecordError
from .batch.runner import evaluate_many
from .bundled import available_rulesets
from .compare import Comparison, compare
from .errors import FactsError, Problem, RulesetError
from .evaluate import evaluate
from .facts import Facts
from .ir import CompiledRuleset as Ruleset
from .loader import load_ruleset
from .registry import RulesetRegistry
from .report import Citation, RatingResult, Report, Undetermined, Verdict


def _package_version() -> str:
    """The installed distribution's version; in a checkout that was never installed, its pyproject's."""
    # Imported here so that ``ecredit_rules`` exports nothing but its API.
    import tomllib
    from importlib.metadata import PackageNotFoundError, version
    from pathlib import Path

    try:
        return version("ecredit-rules")
    except PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, ValueError, KeyError):  # not a checkout either (a copied folder): say so, don't fail
        return "0+unknown"


__version__ = _package_version()

__all__ = [
    "Citation",
    "Comparison",
    "Facts",
    "FactsError",
    "Problem",
    "RatingResult",
    "RecordError",
    "Report",
    "Ruleset",
    "RulesetError",
    "RulesetRegistry",
    "Undetermined",
    "Verdict",
    "__version__",
    "available_rulesets",
    "compare",
    "evaluate",
    "evaluate_many",
    "load_ruleset",
]
