"""The message codes the type checker knows are exactly the codes the catalogue can render."""

from typing import get_args

from ecredit_rules.messages import CATALOGUE, MessageCode


def test_message_code_literal_lists_every_catalogue_code() -> None:
    # mypy checks Msg("...") against MessageCode; the catalogue renders it. If the two drift, a code
    # either fails the type check although it renders, or passes it and raises KeyError for a user.
    assert list(get_args(MessageCode)) == list(CATALOGUE)
