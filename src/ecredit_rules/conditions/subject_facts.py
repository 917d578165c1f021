"""role, legal_form, licensed, on_list: what the facts say about the subject itself (``subject.*``)."""

from __future__ import annotations

from functools import partial
from operator import eq
from typing import TYPE_CHECKING

from pydantic import Field, StrictBool

from ..language_base import LegalForm, ListName, Model, Role
from ..subject import ExplainFn, ValueFn, holds, known_fact
from .base import CheckContext, FactKind, LintAtom

if TYPE_CHECKING:
    from ..language import Parameter
    from ..vocabulary import Vocabulary
    from ..yaml_source import PathKey


class RoleIs(Model):
    role: Role = Field(description="主体具有该角色 / the subject has this role")


class LegalFormIn(Model):
    legal_form: list[LegalForm] = Field(min_length=1, description="主体的组织形式属于其一 / legal form is one of")


class LicensedIs(Model):
    licensed: StrictBool = Field(description="是否持有营业执照 / whether the subject holds a business licence")


class OnList(Model):
    on_list: ListName = Field(description="主体在主管部门公布的名单上 / the subject is on this list")


class RoleKind(FactKind[RoleIs]):
    key = "role"
    model = RoleIs

    def check(self, cond: RoleIs, ctx: CheckContext, where: PathKey, owner: str) -> None:
        """The schema lists the roles."""

    def derive(self, cond: RoleIs, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        return known_fact("subject", "roles", holds(cond.role))

    def lint_atom(self, cond: RoleIs, vocab: Vocabulary) -> LintAtom:
        # A subject may hold several roles: each role is its own yes/no.
        return LintAtom(("subject.roles", cond.role), frozenset({True}))


class LegalFormKind(FactKind[LegalFormIn]):
    key = "legal_form"
    model = LegalFormIn

    def check(self, cond: LegalFormIn, ctx: CheckContext, where: PathKey, owner: str) -> None:
        """The schema lists the legal forms."""

    def derive(self, cond: LegalFormIn, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        return known_fact("subject", "legal_form", frozenset(cond.legal_form).__contains__)

    def lint_atom(self, cond: LegalFormIn, vocab: Vocabulary) -> LintAtom:
        # A subject has exactly one legal form.
        return LintAtom(("subject.legal_form",), frozenset(cond.legal_form), frozenset(vocab.legal_forms))


class LicensedKind(FactKind[LicensedIs]):
    key = "licensed"
    model = LicensedIs

    def check(self, cond: LicensedIs, ctx: CheckContext, where: PathKey, owner: str) -> None:
        """A yes/no the schema checks."""

    def derive(self, cond: LicensedIs, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        return known_fact("subject", "licensed", partial(eq, cond.licensed))

    def lint_atom(self, cond: LicensedIs, vocab: Vocabulary) -> LintAtom:
        return LintAtom(("subject.licensed",), frozenset({cond.licensed}))


class OnListKind(FactKind[OnList]):
    key = "on_list"
    model = OnList

    def check(self, cond: OnList, ctx: CheckContext, where: PathKey, owner: str) -> None:
        """The schema lists the lists."""

    def derive(self, cond: OnList, parameters: dict[str, Parameter]) -> tuple[ValueFn, ExplainFn]:
        return known_fact("subject", "lists", holds(cond.on_list))

    def lint_atom(self, cond: OnList, vocab: Vocabulary) -> LintAtom:
        # A subject may be on both lists: each is its own yes/no.
        return LintAtom(("subject.lists", cond.on_list), frozenset({True}))
