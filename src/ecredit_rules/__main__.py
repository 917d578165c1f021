"""``python -m ecredit_rules`` runs the ``ecredit`` command."""

from .cli import main

main()
