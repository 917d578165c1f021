"""YAML syntax slips are named in plain words at the line of the mistake, in Chinese and in English.

Each test makes one slip a policy officer typing with a Chinese input method could make in a copy
of ``rules/tuquan.yaml`` and checks the position and the named cause in both languages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ecredit_rules as ec
from tests.conftest import TUQUAN_YAML, edit, line_of, write

ITEM4 = "  - id: tuquan.art11.item4\n"
ITEM5 = "  - id: tuquan.art11.item5\n"


def only(path: Path, lang: str) -> ec.Problem:
    with pytest.raises(ec.RulesetError) as caught:
        ec.load_ruleset(path, lang=lang)  # type: ignore[arg-type]
    assert len(caught.value.problems) == 1, [str(p) for p in caught.value.problems]
    return caught.value.problems[0]


def check(tmp_path: Path, old: str, new: str, needle: str, column: int, zh: str, en: str) -> None:
    """Replace ``old`` by ``new``; the one problem is on the line with ``needle`` at ``column`` in both languages."""
    text = edit(TUQUAN_YAML, old, new)
    path = write(tmp_path, text)
    where = f"{path}:{line_of(text, needle)}:{column}"
    for lang, words in (("zh", zh), ("en", en)):
        problem = only(path, lang)
        assert problem.where == where, lang
        assert words in problem.message, (lang, problem.message)


def test_full_width_colon_as_key_separator_is_named_on_its_own_line(tmp_path: Path) -> None:
    # PyYAML reports "could not find expected ':'" on the next line.
    check(tmp_path, "    unit: months", "    unit：months", "unit：", 9, "全角冒号", "full-width colon")


def test_full_width_comma_in_a_flow_mapping_is_named(tmp_path: Path) -> None:
    check(tmp_path, "[penalty], acts: [contract_fraud]", "[penalty]， acts: [contract_fraud]", "]，", 32,
          "全角逗号", "full-width comma")


def test_ideographic_space_in_indentation_is_named(tmp_path: Path) -> None:
    check(tmp_path, "  title: 突泉县", "\u3000 title: 突泉县", "title: 突泉县", 1, "全角空格", "ideographic")


def test_ideographic_spaces_as_the_whole_indentation_are_named(tmp_path: Path) -> None:
    # Valid YAML (the spaces become part of the key): the reader still names them.
    check(tmp_path, "  title: 突泉县", "\u3000\u3000title: 突泉县", "title: 突泉县", 1, "全角空格", "ideographic")


def test_ideographic_space_after_a_colon_is_named(tmp_path: Path) -> None:
    check(tmp_path, "  issuer: ", "  issuer:\u3000", "issuer:", 10, "全角空格", "ideographic")


def test_list_item_indented_two_too_many_names_the_items_it_misses(tmp_path: Path) -> None:
    first = line_of(TUQUAN_YAML, ITEM4.strip())
    check(tmp_path, ITEM5, "  " + ITEM5, "- id: tuquan.art11.item5", 5,
          f"缩进 4 格，与上文对不齐（上面第 {first} 行缩进 2 格）",
          f"indented 4 spaces, which lines up with nothing above (line {first} is indented 2)")


def test_list_item_indented_two_too_few_names_the_items_it_misses(tmp_path: Path) -> None:
    first = line_of(TUQUAN_YAML, ITEM4.strip())
    check(tmp_path, ITEM5, ITEM5[2:], "- id: tuquan.art11.item5", 1,
          f"缩进 0 格，与上文对不齐（上面第 {first} 行", f"(line {first} is indented 2)")


def test_key_indented_between_levels_names_the_line_above(tmp_path: Path) -> None:
    above = line_of(TUQUAN_YAML, ITEM4.strip())
    check(tmp_path, "    cites: art11.item4", "   cites: art11.item4", "cites: art11.item4", 4,
          f"缩进 3 格，与上文对不齐（上面第 {above} 行缩进 2 格）", f"(line {above} is indented 2)")


def test_over_indented_key_under_a_line_with_a_value_is_named(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "    unit: months\n", "    unit: months\n      values:\n")
    unit = line_of(text, "unit: months")
    check(tmp_path, "    unit: months\n", "    unit: months\n      values:\n", "      values:", 7,
          f"比第 {unit} 行多缩进了 2 格", f"indented 2 more spaces than line {unit}")


def test_other_syntax_errors_get_a_plain_generic_message_in_both_languages(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "ruleset: tuquan", "ruleset: [tuquan")
    path = write(tmp_path, text)
    zh, en = only(path, "zh"), only(path, "en")
    assert zh.where == en.where == f"{path}:{line_of(text, 'version:')}:8"
    assert "YAML 格式错误" in zh.message and "could not" not in zh.message and "expected" not in zh.message
    assert en.message.startswith("YAML syntax error: ")


def test_full_width_colon_inside_text_values_is_not_blamed(tmp_path: Path) -> None:
    # A Chinese sentence with "：" next to a real slip: the slip is named, not the sentence.
    text = edit(TUQUAN_YAML, "  title: 突泉县电子商务市场信用评价制度", "  title: 注：突泉县电子商务市场信用评价制度")
    text = edit(text, "  issuer: ", "   issuer: ")
    path = write(tmp_path, text)
    assert only(path, "en").where == f"{path}:{line_of(text, 'issuer:')}:4"
