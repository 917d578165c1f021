"""A broken rule file is refused with every problem located as ``file:line:col`` and explained.

Each test copies the bundled ``rules/tuquan.yaml`` into a temporary directory (the copy keeps
the name ``tuquan.yaml``: the loader requires the file name to equal the ``ruleset:`` id),
makes one mistake a policy officer could make, and checks where and how it is reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import ecredit_rules as ec
from tests.conftest import TUQUAN_ITEM4, TUQUAN_YAML, edit, line_of, write


def column_of(text: str, line: int, token: str, *, last: bool = False) -> int:
    """1-based column (in characters, as editors count them) of ``token`` on ``line``."""
    row = text.splitlines()[line - 1]
    index = row.rindex(token) if last else row.index(token)
    return index + 1


def at(path: Path, text: str, needle: str, column: int | str, *, last: bool = False) -> str:
    """``path:line:col`` on the first line of ``text`` containing ``needle``; ``column`` is a number or a token
    on that line (its first occurrence, or its last with ``last=True``)."""
    line = line_of(text, needle)
    col = column if isinstance(column, int) else column_of(text, line, column, last=last)
    return f"{path}:{line}:{col}"


def problems(path: Path, lang: str = "zh") -> list[ec.Problem]:
    with pytest.raises(ec.RulesetError) as caught:
        ec.load_ruleset(path, lang=lang)  # type: ignore[arg-type]
    return list(caught.value.problems)


def only_problem(path: Path, lang: str = "zh") -> ec.Problem:
    found = problems(path, lang)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_unaltered_copy_loads(tmp_path: Path) -> None:
    assert ec.load_ruleset(write(tmp_path, TUQUAN_YAML)).id == "tuquan"


def test_yaml_syntax_error_is_located_where_the_parser_stopped(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "ruleset: tuquan", "ruleset: [tuquan")
    path = write(tmp_path, text)
    # The unclosed "[" swallows the next line; the parser gives up at the colon of "version:".
    problem = only_problem(path)
    assert problem.where == at(path, text, 'version: "2026.2"', ":")
    assert "YAML 格式错误" in problem.message


def test_tab_in_indentation_is_named_as_a_tab(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "  title: 突泉县", "\ttitle: 突泉县")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "title: 突泉县", 1)
    assert "制表符" in problem.message and "空格" in problem.message


def test_duplicated_key_names_both_lines(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "  issuer: 突泉县市场监督管理局\n",
                "  issuer: 突泉县市场监督管理局\n  issuer: 另一个机关\n")
    path = write(tmp_path, text)
    first = line_of(text, "  issuer:")
    second = line_of(text, "  issuer:", after=first)
    problem = only_problem(path)
    assert problem.where == f"{path}:{second}:3"
    assert '"issuer"' in problem.message and f"第 {first} 行" in problem.message


def test_impossible_date_is_refused(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "published: 2023-07-19", "published: 2019-02-30")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "published:", "2019-02-30")
    assert "2019-02-30" in problem.message and "不存在" in problem.message


def test_threshold_written_as_text_is_refused(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "at_least: {param: repeat_penalties}}", 'at_least: "3"}')
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, 'at_least: "3"', '"3"')
    assert '"at_least"' in problem.message and "数字" in problem.message and "文字" in problem.message


def test_unknown_act_code_suggests_the_likely_spelling(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, TUQUAN_ITEM4, TUQUAN_ITEM4.replace("contract_fraud", "contract_frud"))
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "contract_frud", "contract_frud")
    assert "违法行为代码" in problem.message and '"contract_frud"' in problem.message
    assert '是否为 "contract_fraud"' in problem.message


def test_unknown_key_is_located_at_the_key_and_suggests_the_likely_spelling(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "    interpretation: >-\n      本项没有次数要求：经行政处罚或检查认定一次即构成。本项也",
                "    intrepretation: >-\n      本项没有次数要求：经行政处罚或检查认定一次即构成。本项也")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "intrepretation:", 9)
    assert '不认识的键 "intrepretation"' in problem.message and '是否为 "interpretation"' in problem.message


def test_clause_cited_by_a_grade_must_exist(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "cites: art4.B\n", "cites: art4.BB\n")
    path = write(tmp_path, text)
    found = {p.where: p.message for p in problems(path)}
    message = found[at(path, text, "cites: art4.BB", "art4.BB")]
    assert '引用的条款 "art4.BB" 不存在' in message and '是否为 "art4.B"' in message


def test_clause_neither_cited_nor_in_not_encoded_is_reported_at_its_key(tmp_path: Path) -> None:
    entry = "    not_encoded: 信用评价结果的公示是主管部门的行为，不产生对经营者的认定。\n"
    text = edit(TUQUAN_YAML, entry, "")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "  art13:", 3)
    assert '"art13"' in problem.message and "not_encoded" in problem.message


def test_chained_rule_must_exist(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "- fired: [tuquan.art12]", "- fired: [tuquan.art99]")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "tuquan.art99", "tuquan.art99")
    assert '引用的规则 "tuquan.art99" 不存在' in problem.message


def test_cycle_between_two_rules_is_refused(tmp_path: Path) -> None:
    # 第十二条 (blacklist) would rest on 第十四条第（三）项, which already rests on 第十二条.
    text = edit(
        TUQUAN_YAML,
        "    when:\n      fired_kind: dishonest\n",
        "    when:\n      any:\n        - fired_kind: dishonest\n        - fired: [tuquan.art14.item3]\n",
    )
    path = write(tmp_path, text)
    # Reported on the rule whose reference closes the loop, at its condition (the line after when:).
    when = line_of(text, "    when:", after=line_of(text, "id: tuquan.art14.item3"))
    problem = only_problem(path)
    assert problem.where == f"{path}:{when + 1}:11"
    assert "循环" in problem.message
    assert "tuquan.art12 → tuquan.art14.item3 → tuquan.art12" in problem.message


def test_parameter_with_the_wrong_unit_is_refused(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, TUQUAN_ITEM4, TUQUAN_ITEM4.replace("{param: repeat_penalties}", "{param: window_months}"))
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "at_least: {param: window_months}", "window_months", last=True)
    assert '"window_months"' in problem.message and "months" in problem.message and "times" in problem.message


def test_rule_id_must_start_with_the_ruleset_id(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "id: tuquan.art11.item3", "id: art11.item3")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "id: art11.item3", "art11.item3")
    assert '"art11.item3"' in problem.message and '"tuquan."' in problem.message


def test_english_messages_on_request(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, TUQUAN_ITEM4, TUQUAN_ITEM4.replace("contract_fraud", "contract_frud"))
    path = write(tmp_path, text)
    problem = only_problem(path, lang="en")
    assert problem.where == at(path, text, "contract_frud", "contract_frud")
    assert problem.message == 'unknown act code "contract_frud"; did you mean "contract_fraud"?'


def test_two_independent_mistakes_give_two_lines(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, TUQUAN_ITEM4, TUQUAN_ITEM4.replace("contract_fraud", "contract_frud"))
    text = edit(text, "id: tuquan.art11.item3", "id: art11.item3")
    path = write(tmp_path, text)
    found = problems(path)
    assert [p.where for p in found] == [
        at(path, text, "id: art11.item3", 13),
        at(path, text, "contract_frud", "contract_frud"),
    ]
    assert "art11.item3" in found[0].message and "contract_frud" in found[1].message


def test_a_duplicated_key_does_not_hide_a_structural_mistake(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "  issuer: 突泉县市场监督管理局\n",
                "  issuer: 突泉县市场监督管理局\n  issuer: 另一个机关\n")
    text = edit(text, "    interpretation: >-\n      本项没有次数要求：经行政处罚或检查认定一次即构成。本项也",
                "    intrepretation: >-\n      本项没有次数要求：经行政处罚或检查认定一次即构成。本项也")
    path = write(tmp_path, text)
    found = problems(path)
    assert [p.where for p in found] == [
        at(path, text, "issuer: 另一个机关", 3),
        at(path, text, "intrepretation:", 9),
    ]


def test_an_impossible_date_is_reported_once(tmp_path: Path) -> None:
    # The date reads as nothing; the structure check must not add "published must be a date" on top.
    text = edit(TUQUAN_YAML, "published: 2023-07-19", "published: 2019-02-30")
    text = edit(text, "kind: dishonest", "kind: dishonset")
    path = write(tmp_path, text)
    found = problems(path)
    assert len(found) == 2, [str(p) for p in found]
    assert "2019-02-30" in found[0].message and '是否为 "dishonest"' in found[1].message


def test_bad_list_item_names_the_list_field(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "applies_to: [goods_operator]", "applies_to: [goods_operater]")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "goods_operater", "goods_operater")
    assert problem.message.startswith('"applies_to" 的值 "goods_operater"')
    assert '是否为 "goods_operator"' in problem.message


def test_condition_with_two_keys_points_to_all_and_any(tmp_path: Path) -> None:
    when = "    when:\n      fired_kind: dishonest\n"
    text = edit(TUQUAN_YAML, when, when + "      on_list: black\n")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "      fired_kind: dishonest", 11)
    assert "fired_kind, on_list" in problem.message and "all" in problem.message and "any" in problem.message


def test_parameter_value_written_as_text_does_not_suggest_a_parameter(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "- {from: 2016-01-01, value: 30}", '- {from: 2016-01-01, value: "30"}')
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, 'value: "30"', '"30"')
    assert "数字" in problem.message and "param" not in problem.message


def test_count_parameter_needs_whole_numbers(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "- {from: 2016-01-01, value: 3}", "- {from: 2016-01-01, value: 3.5}")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "value: 3.5", "3.5")
    assert '"repeat_penalties"' in problem.message and "整数" in problem.message


def test_at_least_n_below_one_gives_the_limit(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "            n: 2\n", "            n: 0\n")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "            n: 0", 20)
    assert problem.message == '"n" 的值 0 太小，至少应为 1'


ITEM1_INTERPRETATION = "    interpretation: >-\n      本项没有次数要求：经行政处罚或检查认定一次即构成。本项也"


def test_retroactive_rule_needs_a_reason(tmp_path: Path) -> None:
    item1 = "      events: {types: [penalty, finding], acts: [false_identity], within_months: {param: rating_months}}\n"
    # The reason moved from interpretation to note: the loader wants it where reports show it.
    note = ITEM1_INTERPRETATION.replace("interpretation", "note")
    text = edit(TUQUAN_YAML, item1 + ITEM1_INTERPRETATION, item1 + "    retroactive: true\n" + note)
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert "retroactive" in problem.message and "interpretation" in problem.message


def test_follows_checks_its_act_codes(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "              acts: [false_identity, unlicensed_operation,",
                "              acts: [false_identty, unlicensed_operation,")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert '"false_identty"' in problem.message and '是否为 "false_identity"' in problem.message


# --- the law beside its rules: where rules, deadlines and reasons stand ------------------------


def test_a_rule_written_with_cites_is_told_that_its_clause_is_where_it_stands(tmp_path: Path) -> None:
    item3 = "      - id: tuquan.art11.item3\n"
    text = edit(TUQUAN_YAML, item3, item3 + "        cites: art11.item3\n")
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "cites: art11.item3", 9)
    assert "不写 \"cites\"" in problem.message


def test_a_top_level_not_encoded_list_is_told_to_move_under_its_clause(tmp_path: Path) -> None:
    text = TUQUAN_YAML + "not_encoded:\n  - clause: art1\n    reason: 立法目的。\n"
    path = write(tmp_path, text)
    problem = only_problem(path, lang="en")
    assert problem.where == f"{path}:{len(text.splitlines()) - 2}:1"  # the key not_encoded
    assert "under the clause it encodes" in problem.message


def test_a_rule_and_a_reason_under_one_clause_are_refused_at_the_reason(tmp_path: Path) -> None:
    item3 = "      - id: tuquan.art11.item3\n"
    text = edit(TUQUAN_YAML, "    rules:\n" + item3, "    not_encoded: 无法判断。\n    rules:\n" + item3)
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, "not_encoded: 无法判断。", 5)
    assert '"art11.item3"' in problem.message and "not_encoded" in problem.message



def test_text_escaping_a_lone_surrogate_is_refused_where_it_is_written(tmp_path: Path) -> None:
    # "\ud800" is no character: once loaded, every report or message quoting it failed to print.
    text = edit(TUQUAN_YAML, "label: 文号及标题", 'label: "文号\\ud800及标题"')
    path = write(tmp_path, text)
    problem = only_problem(path)
    assert problem.where == at(path, text, '"文号', '"文号')
    assert "\\ud800" in problem.message and "\\U" in problem.message
    problem.message.encode("utf-8")  # the message itself can be printed


def test_an_emoji_escaped_as_a_surrogate_pair_is_refused_with_the_eight_digit_escape_suggested(tmp_path: Path) -> None:
    # YAML's \u takes one 16-bit unit: a pair written as two escapes stays two lone halves.
    text = edit(TUQUAN_YAML, "label: 文号及标题", 'label: "文号\\ud83d\\ude00"')
    problem = only_problem(write(tmp_path, text), lang="en")
    assert "\\ud83d" in problem.message and "\\U with 8 hex digits" in problem.message


def test_an_emoji_escaped_with_eight_digits_loads_as_the_character(tmp_path: Path) -> None:
    # The remedy the message suggests: a whole character, not a lone surrogate.
    text = edit(TUQUAN_YAML, "label: 文号及标题", 'label: "文号\\U0001F600及标题"')
    rs = ec.load_ruleset(write(tmp_path, text))
    assert rs.clauses["header"].label == "文号\U0001F600及标题"


def test_a_key_escaping_a_lone_surrogate_is_refused(tmp_path: Path) -> None:
    text = edit(TUQUAN_YAML, "label: 文号及标题", 'label: 文号及标题\n    "x\\udc00": 1')
    messages = [p.message for p in problems(write(tmp_path, text))]
    assert any("\\udc00" in m for m in messages)
    "\n".join(messages).encode("utf-8")
