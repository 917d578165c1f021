"""The doctests of the HTTP service need its optional extra (``ecredit-rules[service]``, part of ``dev``).

Without Starlette and uvicorn the service's modules cannot be imported, so they are not collected;
``tests/test_service.py`` skips itself the same way. Likewise the columnar engine without polars
(the ``batch`` extra; ``tests/test_columnar.py`` skips itself).
"""

from importlib.util import find_spec

collect_ignore_glob = [] if find_spec("starlette") and find_spec("uvicorn") else ["src/ecredit_rules/service/*"]
if not find_spec("polars"):
    collect_ignore_glob.append("src/ecredit_rules/batch/columnar.py")
