"""Messages for people who edit rule files, in Chinese (default) and English.

Problems are recorded as a code with parameters and rendered late, so the same check can speak
to a policy officer in Chinese and to a systems integrator in English (``--lang en``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["zh", "en"]

# Every message code, so a misspelt code fails the type check (mypy) instead of reaching a user as a
# KeyError. Kept equal to CATALOGUE's keys by tests/test_message_codes.py.
MessageCode = Literal[
    "yaml_syntax",
    "yaml_full_width_colon",
    "yaml_full_width_comma",
    "yaml_full_width_space",
    "yaml_indent_unaligned",
    "yaml_indent_deeper",
    "yaml_too_deep",
    "yaml_too_many_values",
    "yaml_aliases",
    "yaml_alias_cycle",
    "yaml_not_mapping",
    "file_too_large",
    "condition_too_deep",
    "out_of_range",
    "param_out_of_range",
    "number_too_long",
    "load_crashed",
    "date_out_of_range",
    "yaml_tab",
    "yaml_empty",
    "yaml_value",
    "yaml_merge_key",
    "yaml_complex_key",
    "duplicate_key",
    "bad_date",
    "not_utf8",
    "yaml_control_character",
    "yaml_lone_surrogate",
    "file_not_found",
    "unknown_ruleset",
    "ruleset_is_directory",
    "unknown_key",
    "key_under_clause",
    "cites_implied",
    "missing_key",
    "not_number",
    "not_number_plain",
    "not_integer",
    "not_text",
    "not_date",
    "not_bool",
    "not_list",
    "not_mapping",
    "too_small",
    "empty_list",
    "bad_choice",
    "condition_form",
    "condition_keys",
    "invalid",
    "ruleset_id_mismatch",
    "unknown_clause",
    "unknown_code",
    "unknown_rule",
    "unknown_param",
    "param_unit",
    "param_integer",
    "param_order",
    "param_not_in_force",
    "duplicate_rule_id",
    "rule_id_form",
    "cycle",
    "uncovered_clause",
    "encoded_and_not",
    "in_force_order",
    "no_kind_producer",
    "self_reference",
    "retroactive_without_reason",
    "kind_reserved",
    "engine_limit",
    "duplicate_grade",
    "facts_json",
    "facts_too_large",
    "facts_not_object",
    "facts_key_twice",
    "facts_duplicate_event",
    "facts_duplicate_ids",
    "facts_response_unanswered",
    "facts_no_such_event",
    "facts_unknown_code",
    "facts_unknown_value",
    "facts_unknown_key",
    "facts_required",
    "facts_not_list",
    "facts_not_text",
    "facts_empty",
    "facts_not_bool",
    "facts_not_integer",
    "facts_not_mapping",
    "facts_negative",
    "facts_bad_date",
    "facts_date_range",
    "facts_amount_form",
    "facts_amount_exponent",
    "facts_amount_negative",
    "facts_amount_digits",
    "facts_amount_decimals",
    "facts_too_many",
    "facts_text_too_long",
    "facts_invalid",
    "as_of_range",
    "lint_never_fires",
    "lint_rests_on_never",
    "lint_window_exceeds_period",
    "lint_param_after_period",
    "lint_unused_param",
    "lint_same_condition",
    "lint_unused_code",
    "case_no_ruleset",
    "case_ruleset_not_found",
    "case_ruleset_broken",
    "case_facts",
    "case_unknown_rule",
    "case_unknown_grade",
    "case_no_rating",
    "case_not_deadline",
    "case_duplicate_name",
    "case_no_files",
    "case_pass",
    "case_fail",
    "case_missing",
    "case_missing_why",
    "case_unexpected",
    "case_evidence",
    "case_derived",
    "case_rating",
    "case_no_grade",
    "case_not_undetermined",
    "case_in_force",
    "case_deadline_missing",
    "case_deadline_field",
    "case_actual",
    "case_error",
    "diff_title",
    "diff_none",
    "diff_document",
    "diff_clauses",
    "diff_parameters",
    "diff_rules",
    "diff_rating",
    "diff_deadlines",
    "diff_not_encoded",
    "diff_added",
    "diff_removed",
    "diff_changed",
    "diff_value_from",
    "diff_verdicts",
    "diff_verdicts_none",
    "diff_appeared",
    "diff_disappeared",
    "diff_details",
    "diff_undetermined",
    "diff_determined",
    "diff_facts_not_found",
    "diff_facts_empty",
    "internal_error",
    "doing_rulesets",
    "doing_evaluate",
    "doing_compare",
    "doing_validate",
    "doing_test",
    "doing_diff",
    "doing_lint",
    "doing_schema",
    "doing_show",
    "doing_verify",
    "verify_not_report",
    "verify_ruleset_digest",
    "verify_facts_digest",
    "verify_missing",
    "verify_extra",
    "verify_field",
    "verify_generator",
    "verify_ok",
    "http_bad_json",
    "http_bad_json_detail",
    "http_bad_facts",
    "http_bad_facts_detail",
    "http_bad_request",
    "http_not_date",
    "http_date_range",
    "http_bad_engine",
    "http_not_list",
    "http_too_many",
    "http_unknown_ruleset",
    "http_unknown_ruleset_detail",
    "http_ruleset_broken",
    "http_ruleset_broken_detail",
    "http_too_large",
    "http_too_large_detail",
    "http_unauthorized",
    "http_unauthorized_detail",
    "http_timeout",
    "http_timeout_detail",
    "http_internal",
    "http_internal_detail",
    "http_not_found",
    "http_not_found_detail",
    "http_method",
    "http_method_detail",
    "batch_empty_line",
    "batch_line_too_long",
    "batch_events_unknown",
    "batch_events_count",
    "batch_internal_error",
    "batch_columnar_not_ready",
]

CATALOGUE: dict[MessageCode, tuple[str, str]] = {
    "yaml_syntax": (
        "YAML 格式错误：这里的写法无法识别，请检查冒号、引号、括号和缩进",
        "YAML syntax error: this cannot be read; check the colons, quotes, brackets and indentation "
        "(the parser said: {detail})",
    ),
    "yaml_full_width_colon": (
        "这里用了全角冒号“：”；键和值之间须用半角冒号加空格“: ”",
        "a full-width colon \"：\" here; a key and its value are separated by an ASCII colon and a space \": \"",
    ),
    "yaml_full_width_comma": (
        "这里用了全角逗号“，”；方括号或花括号中的各项须用半角逗号“,”分隔",
        "a full-width comma \"，\" here; items in brackets or braces are separated by an ASCII comma \",\"",
    ),
    "yaml_full_width_space": (
        "这里有全角空格（中文输入法的空格）；YAML 只能用半角空格",
        "an ideographic (full-width) space here; YAML needs plain ASCII spaces",
    ),
    "yaml_indent_unaligned": (
        "这一行缩进 {indent} 格，与上文对不齐（上面第 {other} 行缩进 {other_indent} 格）；同一层的内容须左对齐",
        "this line is indented {indent} spaces, which lines up with nothing above "
        "(line {other} is indented {other_indent}); entries of one level must start in the same column",
    ),
    "yaml_indent_deeper": (
        "这一行比第 {other} 行多缩进了 {extra} 格，但第 {other} 行已写了取值，下面不能再有下级内容；"
        "请与第 {other} 行对齐",
        "this line is indented {extra} more spaces than line {other}, but line {other} already has its value "
        "and cannot contain anything; line it up with line {other}",
    ),
    "yaml_too_deep": (
        "内容嵌套超过 {limit} 层，无法读取",
        "the content is nested more than {limit} levels deep",
    ),
    "yaml_too_many_values": (
        "文件中的取值超过 {limit} 个，不予读取；请拆分成几个文件",
        "the file holds more than {limit} values and is not read; split it",
    ),
    "yaml_aliases": (
        "YAML 别名（*名称）展开后超过 {limit} 个或内容过多；请把内容直接写出",
        "YAML aliases (*name) expand to more than {limit} aliases or too much content; write the content out",
    ),
    "yaml_alias_cycle": (
        "YAML 别名 *{anchor} 指向包含它自身的内容，无法展开",
        "YAML alias *{anchor} points into the content that contains it and can never be expanded",
    ),
    "yaml_not_mapping": (
        "文件内容须是键值对（每行 键: 值），而这里是{what}",
        "the file must be a mapping (lines of key: value), but it is {what_en}",
    ),
    "file_too_large": ("文件超过 {limit} KB，不予读取", "the file is larger than {limit} KB and is not read"),
    "condition_too_deep": (
        "条件嵌套超过 {limit} 层（all/any/not/at_least 层层相套）；请拆成几条规则",
        "the condition is nested more than {limit} levels deep (all/any/not/at_least); split it into rules",
    ),
    "out_of_range": (
        "\"{field}\" 的值 {value} 超出允许范围 {low} 至 {high}",
        "\"{field}\" value {value} is out of range; it must be from {low} to {high}",
    ),
    "param_out_of_range": (
        "参数 \"{name}\" 自 {day} 起的取值 {value} 超出允许范围 {low} 至 {high}（单位 {unit}）",
        "parameter \"{name}\" value {value} from {day} is out of range; in {unit} it must be from {low} to {high}",
    ),
    "number_too_long": ("这个数字有 {digits} 位，太长，无法读取", "a number of {digits} digits is too long to read"),
    "load_crashed": (
        "读取此文件时出现意外错误（{detail}），文件未被采用",
        "an unexpected error while reading this file ({detail}); the file is not used",
    ),
    "date_out_of_range": (
        "日期 {value} 超出允许范围 {low} 至 {high}",
        "date {value} is out of range; it must be from {low} to {high}",
    ),
    "yaml_tab": (
        "此处有制表符（Tab）；YAML 只能用空格缩进",
        "a tab character here; YAML indentation must use spaces",
    ),
    "yaml_empty": ("文件是空的", "the file is empty"),
    "yaml_value": ("无法读取的值：{detail}", "unreadable value: {detail}"),
    "yaml_merge_key": ("不支持 YAML 合并键（<<），请把内容直接写出", "YAML merge keys (<<) are not supported"),
    "yaml_complex_key": ("键必须是简单的文字或数字", "keys must be plain text or numbers"),
    "duplicate_key": (
        "键 \"{key}\" 重复出现（第 {first_line} 行已有），后一个不会生效",
        "key \"{key}\" appears twice (first on line {first_line})",
    ),
    "bad_date": ("日期 \"{value}\" 不存在，请写成 YYYY-MM-DD", "date \"{value}\" does not exist; write YYYY-MM-DD"),
    "not_utf8": ("文件不是 UTF-8 编码", "the file is not UTF-8 encoded"),
    "yaml_control_character": (
        "这里有一个看不见的控制字符（{code}），YAML 文件中不允许出现，请删除它",
        "an invisible control character ({code}) here, which a YAML file may not contain; delete it",
    ),
    "yaml_lone_surrogate": (
        "这段文字中的转义 {code} 不是一个完整的字符（单独的代理码位，无法保存或显示），多半是转义写错了；"
        "请直接写出该字符，或改用 \\U 加 8 位十六进制的写法",
        "the escape {code} in this text is not a whole character (a lone surrogate, which can be neither "
        "stored nor shown), most likely a mistyped escape; write the character itself, or use \\U with 8 "
        "hex digits",
    ),
    "file_not_found": ("找不到文件", "file not found"),
    "unknown_ruleset": (
        "没有名为 \"{name}\" 的规则集{hint}（可用：{available}）",
        "no ruleset named \"{name}\"{hint} (available: {available})",
    ),
    "ruleset_is_directory": (
        "这是一个文件夹，不是规则文件；请写出文件夹中的 .yaml 文件",
        "this is a folder, not a rule file; name a .yaml file inside it",
    ),
    "unknown_key": ("不认识的键 \"{key}\"{hint}", "unknown key \"{key}\"{hint}"),
    "key_under_clause": (
        "\"{key}\" 不写在文件顶层，而写在所编码的条款之下（clauses 中该条款的 {key}）",
        "\"{key}\" is not written at the top of the file but under the clause it encodes (that clause's {key})",
    ),
    "cites_implied": (
        "规则写在哪个条款之下就引用哪个条款，不写 \"cites\"；要引用别的条款，把规则移到那个条款之下",
        "a rule cites the clause it stands under, so \"cites\" is not written; to cite another clause, move the rule",
    ),
    "missing_key": ("缺少必填项 \"{key}\"", "required key \"{key}\" is missing"),
    "not_number": (
        "\"{field}\" 须是数字（或 {{param: 名称}}），不能写成文字 {value}",
        "\"{field}\" must be a number (or {{param: name}}), not the text {value}",
    ),
    "not_number_plain": (
        "\"{field}\" 须是数字，不能写成文字 {value}",
        "\"{field}\" must be a number, not the text {value}",
    ),
    "not_integer": ("\"{field}\" 须是整数，而不是 {value}", "\"{field}\" must be a whole number, not {value}"),
    "not_text": ("\"{field}\" 须是文字，而不是 {value}", "\"{field}\" must be text, not {value}"),
    "not_date": (
        "\"{field}\" 须是日期 YYYY-MM-DD，而不是 {value}",
        "\"{field}\" must be a date YYYY-MM-DD, not {value}",
    ),
    "not_bool": ("\"{field}\" 须是 true 或 false，而不是 {value}", "\"{field}\" must be true or false, not {value}"),
    "not_list": ("\"{field}\" 须是列表（每项以 - 开头）", "\"{field}\" must be a list (items starting with -)"),
    "not_mapping": ("\"{field}\" 须是键值对（key: value）", "\"{field}\" must be a mapping (key: value)"),
    "too_small": (
        "\"{field}\" 的值 {value} 太小，至少应为 {limit}",
        "\"{field}\" value {value} is too small; it must be at least {limit}",
    ),
    "empty_list": ("\"{field}\" 不能为空", "\"{field}\" must not be empty"),
    "bad_choice": (
        "\"{field}\" 的值 \"{value}\" 不在可选范围内（{choices}）{hint}",
        "\"{field}\" value \"{value}\" is not one of ({choices}){hint}",
    ),
    "condition_form": (
        "条件须写成只有一个键的形式，可用的键：{choices}{hint}",
        "a condition must have exactly one key, one of: {choices}{hint}",
    ),
    "condition_keys": (
        "一个条件只能有一个键，这里有多个（{keys}）；都要成立请用 all，成立其一请用 any",
        "a condition has exactly one key, this one has several ({keys}); combine them with all or any",
    ),
    "invalid": ("\"{field}\" 无效：{detail}", "\"{field}\" is invalid: {detail}"),
    "ruleset_id_mismatch": (
        "ruleset: \"{id}\" 须与文件名 \"{stem}\" 一致",
        "ruleset: \"{id}\" must equal the file name \"{stem}\"",
    ),
    "unknown_clause": ("引用的条款 \"{ref}\" 不存在{hint}", "cited clause \"{ref}\" does not exist{hint}"),
    "unknown_code": (
        "未知的{category}代码 \"{code}\"{hint}",
        "unknown {category_en} code \"{code}\"{hint}",
    ),
    "unknown_rule": ("引用的规则 \"{ref}\" 不存在{hint}", "referenced rule \"{ref}\" does not exist{hint}"),
    "unknown_param": ("参数 \"{name}\" 未在 parameters 中定义{hint}", "parameter \"{name}\" is not defined{hint}"),
    "param_unit": (
        "参数 \"{name}\" 的单位是 {unit}，不能用在这里（需要 {expected}）",
        "parameter \"{name}\" is in {unit}, which does not fit here (needs {expected})",
    ),
    "param_integer": (
        "参数 \"{name}\" 用于次数、月数或天数，取值须是整数",
        "parameter \"{name}\" counts times, months or days: its values must be whole numbers",
    ),
    "param_order": (
        "参数 \"{name}\" 的取值须按日期从早到晚排列且日期不重复",
        "values of parameter \"{name}\" must be in date order without repeats",
    ),
    "param_not_in_force": (
        "参数 \"{name}\" 在施行之日 {day} 还没有取值",
        "parameter \"{name}\" has no value on the first day in force, {day}",
    ),
    "duplicate_rule_id": ("规则 id \"{id}\" 重复", "rule id \"{id}\" is used twice"),
    "rule_id_form": (
        "规则 id \"{id}\" 须以 \"{prefix}.\" 开头，由字母、数字、下划线和点组成",
        "rule id \"{id}\" must start with \"{prefix}.\" and use letters, digits, _ and .",
    ),
    "cycle": ("规则互相依赖，形成循环：{chain}", "rules depend on each other in a cycle: {chain}"),
    "uncovered_clause": (
        "条款 \"{clause}\" 下既没有 rules 或 deadlines，也没有写 not_encoded（机器无法判断的理由）",
        "clause \"{clause}\" has neither rules or deadlines nor a not_encoded reason",
    ),
    "encoded_and_not": (
        "条款 \"{clause}\" 已由规则编码，却又写了 not_encoded；二者只留其一",
        "clause \"{clause}\" is encoded by a rule and also has a not_encoded reason; keep one",
    ),
    "in_force_order": ("施行期的结束日早于开始日", "the period of force ends before it starts"),
    "no_kind_producer": (
        "本规则集中没有种类为 \"{kind}\" 的规则可供引用",
        "no rule of kind \"{kind}\" exists in this ruleset to rest on",
    ),
    "self_reference": ("规则不能引用自己", "a rule cannot rest on itself"),
    "retroactive_without_reason": (
        "规则 {id} 计入施行日以前的事件（retroactive: true），须在 interpretation 中写明理由",
        "rule {id} counts events from before the period of force (retroactive: true); "
        "give the reason in interpretation",
    ),
    "kind_reserved": (
        "种类 \"{kind}\" 由 {where} 产生，不能用于普通规则",
        "kind \"{kind}\" is produced by {where}, not by plain rules",
    ),
    "engine_limit": ("规则集超出规则引擎的限制：{detail}", "the ruleset exceeds a rule-engine limit: {detail}"),
    "duplicate_grade": ("等级 \"{grade}\" 重复", "grade \"{grade}\" appears twice"),
    # --- facts (CONTRACT §3): each problem is printed after its fact path ---
    "facts_json": ("不是有效的 JSON：{detail}", "not valid JSON: {detail}"),
    "facts_too_large": (
        "事实文件有 {size} 字节，超过上限 {limit} 字节，未予读取",
        "the facts document has {size} bytes, over the limit of {limit}; it was not read",
    ),
    "facts_not_object": ("事实须是一个 JSON 对象（{{…}}）", "facts must be a JSON object"),
    "facts_key_twice": ("这个键在 JSON 文本中出现了两次", "key appears twice in the JSON text"),
    "facts_duplicate_event": (
        "事件 id {id} 重复（第一次出现在 {first}）",
        "duplicate event id {id} (first at {first})",
    ),
    "facts_duplicate_ids": ("事件 id 重复：{ids}", "duplicate event id(s): {ids}"),
    "facts_response_unanswered": (
        "答复（response）须用 answers 写明答复的是哪个事件",
        "a response must name the event it answers",
    ),
    "facts_no_such_event": ("没有 id 为 {id} 的事件", "no event with id {id}"),
    "facts_unknown_code": ("未知的{category}代码 {value}{hint}", "unknown {category_en} code {value}{hint}"),
    "facts_unknown_value": (
        "评价项目 {field} 的取值 {value} 不在可选范围内（{choices}）",
        "unknown {field} value {value}; one of: {choices}",
    ),
    "facts_unknown_key": ("不认识的键", "unknown key"),
    "facts_required": ("缺少必填项", "required"),
    "facts_not_list": ("须是列表 [...]", "must be a list"),
    "facts_not_text": ("须是文字（加引号的字符串）", "must be text (a quoted string)"),
    "facts_empty": ("不能为空", "must not be empty"),
    "facts_not_bool": ("须是 true 或 false", "must be true or false"),
    "facts_not_integer": ("须是整数", "must be a whole number"),
    "facts_not_mapping": ("须是 JSON 对象（{{…}}）", "must be a JSON object"),
    "facts_negative": ("不能为负数，而这里是 {value}", "must not be negative, not {value}"),
    "facts_bad_date": (
        "须是存在的日期，写成 YYYY-MM-DD，而这里是 {value}",
        "must be an existing date written YYYY-MM-DD, not {value}",
    ),
    "facts_date_range": (
        "日期 {value} 超出可接受的范围（{first} 至 {last}）",
        "date {value} is outside the accepted range ({first} to {last})",
    ),
    "facts_amount_form": (
        "金额须是以元为单位的普通十进制数，如 \"52000.00\"，而这里是 {value}",
        "an amount must be yuan in plain decimal notation, like \"52000.00\", not {value}",
    ),
    "facts_amount_exponent": (
        "金额不能用科学计数法（{value}），请写成普通十进制数，如 \"52000.00\"",
        "an amount must not use exponent notation ({value}); write it like \"52000.00\"",
    ),
    "facts_amount_negative": ("金额不能为负数，而这里是 {value}", "an amount must not be negative, not {value}"),
    "facts_amount_digits": (
        "金额的整数部分最多 {integer} 位，而这里是 {value}",
        "an amount has at most {integer} digits before the point, not {value}",
    ),
    "facts_amount_decimals": (
        "金额最多有 {fraction} 位小数（到分），而这里是 {value}",
        "an amount has at most {fraction} digits after the point (a fen), not {value}",
    ),
    "facts_too_many": ("最多 {limit} 项，而这里有 {count} 项", "at most {limit} items are accepted, not {count}"),
    "facts_text_too_long": ("文字最长 {limit} 个字符", "text is limited to {limit} characters"),
    "facts_invalid": ("取值无效（{detail}）", "{detail}"),
    "as_of_range": (
        "评价日 {value} 超出可接受的范围（{first} 至 {last}）",
        "the day of evaluation {value} is outside the accepted range ({first} to {last})",
    ),
    # --- ecredit lint: findings in files that load ---
    "lint_never_fires": (
        "规则 \"{rule}\" 的条件（连同 applies_to）对任何主体都不可能成立，永远不会作出认定；请检查 {facts} 的写法",
        "rule \"{rule}\" can never fire: no subject can meet its condition (with applies_to); "
        "check how it uses {facts}",
    ),
    "lint_rests_on_never": (
        "规则 \"{rule}\" 依据的规则 {rests_on} 永远不会作出认定，所以它也永远不会作出认定",
        "rule \"{rule}\" rests on {rests_on}, which can never fire, so it can never fire either",
    ),
    "lint_window_exceeds_period": (
        "时间窗口 {months} 个月长于施行期（{start} 至 {end}）：窗口总会计入施行之前的事件",
        "the {months}-month window is longer than the period of force ({start} to {end}): "
        "it always counts events from before the regulation took effect",
    ),
    "lint_param_after_period": (
        "参数 \"{name}\" 自 {day} 起的取值晚于施行期的最后一日 {end}，永远不会使用",
        "the value of parameter \"{name}\" from {day} starts after the last day in force, {end}: it is never used",
    ),
    "lint_unused_param": ("参数 \"{name}\" 没有被任何规则使用", "parameter \"{name}\" is used by no rule"),
    "lint_same_condition": (
        "规则 \"{rule}\" 与第 {line} 行的规则 \"{other}\" 种类和条件相同（kind、when、applies_to 都相同），"
        "却引用不同的条款（{cites} 与 {other_cites}）；是否复制后忘了修改条件？",
        "rule \"{rule}\" has the same kind and condition (kind, when, applies_to) as rule \"{other}\" on line {line} "
        "but cites a different clause ({cites}, not {other_cites}); was it copied and not finished?",
    ),
    "lint_unused_code": (
        "词汇表中的{category}代码 \"{code}\" 没有被任何规则集使用",
        "{category_en} code \"{code}\" in the vocabulary is used by no bundled ruleset",
    ),
    # --- ecredit test: case files and their results ---
    "case_no_ruleset": (
        "没有写明用哪个规则集：请加上 ruleset: <规则集 id>，或把文件放在 rules/tests/<规则集 id>/ 下",
        "which ruleset? add ruleset: <id>, or keep the file under rules/tests/<id>/",
    ),
    "case_ruleset_not_found": ("找不到规则文件 \"{path}\"", "rule file \"{path}\" not found"),
    "case_ruleset_broken": (
        "规则集 \"{name}\" 本身有错误，先用 ecredit validate 改正",
        "ruleset \"{name}\" has errors of its own; fix them with ecredit validate first",
    ),
    "case_facts": ("事实 {path} 有误：{detail}", "facts {path}: {detail}"),
    "case_unknown_rule": (
        "规则集 \"{ruleset}\" 中没有规则 \"{ref}\"{hint}",
        "ruleset \"{ruleset}\" has no rule \"{ref}\"{hint}",
    ),
    "case_unknown_grade": (
        "规则集 \"{ruleset}\" 没有等级 \"{grade}\"（可用：{grades}）",
        "ruleset \"{ruleset}\" has no grade \"{grade}\" (grades: {grades})",
    ),
    "case_no_rating": (
        "规则集 \"{ruleset}\" 没有信用等级评定，不能写 rating",
        "ruleset \"{ruleset}\" has no rating scheme; remove rating",
    ),
    "case_not_deadline": (
        "\"{ref}\" 不是办理时限（deadlines）中的规则",
        "\"{ref}\" is not one of the ruleset's deadlines",
    ),
    "case_duplicate_name": (
        "用例名称 \"{name}\" 重复（第 {first_line} 行已有）",
        "case name \"{name}\" is used twice (first on line {first_line})",
    ),
    "case_no_files": ("没有找到用例文件（*.yaml）", "no case files (*.yaml) found"),
    "case_pass": ("通过    {where}  {name}", "ok      {where}  {name}"),
    "case_fail": ("未通过  {where}  {name}", "FAIL    {where}  {name}"),
    "case_missing": ("应有而没有：{rule} {label}（{clause}）", "expected, missing: {rule} {label} ({clause})"),
    "case_missing_why": ("该规则无法判断，缺少事实：{missing}", "it is undetermined for lack of: {missing}"),
    "case_unexpected": (
        "不应有而有：{rule} {label}（{clause}）",
        "must not appear, appeared: {rule} {label} ({clause})",
    ),
    "case_evidence": ("证据：{evidence}", "evidence: {evidence}"),
    "case_derived": ("依据：{rules}", "rests on: {rules}"),
    "case_rating": ("信用等级：应为 {expected}，实际为 {actual}", "rating: expected {expected}, got {actual}"),
    "case_no_grade": ("无等级", "no grade"),
    "case_not_undetermined": (
        "应无法判断而能判断：{rule} {label}（{clause}）",
        "expected undetermined, was decided: {rule} {label} ({clause})",
    ),
    "case_in_force": (
        "是否在施行期内：应为 {expected}，实际为 {actual}",
        "in force: expected {expected}, got {actual}",
    ),
    "case_deadline_missing": (
        "没有时限认定：{rule} {label}（{clause}）{trigger}",
        "no deadline verdict: {rule} {label} ({clause}){trigger}",
    ),
    "case_deadline_field": (
        "时限 {rule}（{trigger}）：{field} 应为 {expected}，实际为 {actual}",
        "deadline {rule} ({trigger}): {field} expected {expected}, got {actual}",
    ),
    "case_actual": ("实际认定：{rules}", "verdicts given: {rules}"),
    "case_error": ("无法运行：{detail}", "could not run: {detail}"),
    # --- ecredit diff ---
    "diff_title": ("规则集变更：{old} → {new}", "ruleset changes: {old} → {new}"),
    "diff_none": ("两个文件的规则内容相同，没有变更。", "no changes: the two files say the same."),
    "diff_document": ("文件信息与施行期", "document and period of force"),
    "diff_clauses": ("条款", "clauses"),
    "diff_parameters": ("参数", "parameters"),
    "diff_rules": ("规则", "rules"),
    "diff_rating": ("信用等级评定", "rating"),
    "diff_deadlines": ("办理时限", "deadlines"),
    "diff_not_encoded": ("不由机器判断的条款", "clauses not encoded"),
    "diff_added": ("新增", "added"),
    "diff_removed": ("删除", "removed"),
    "diff_changed": ("修改", "changed"),
    "diff_value_from": ("自 {day} 起", "from {day}"),
    "diff_verdicts": ("对主体认定的影响", "effect on subjects' verdicts"),
    "diff_verdicts_none": ("{count} 个主体的认定都没有变化。", "no verdict changes for the {count} subject(s)."),
    "diff_appeared": ("新出现", "appears"),
    "diff_disappeared": ("不再出现", "disappears"),
    "diff_details": ("内容变化", "details change"),
    "diff_undetermined": ("变为无法判断", "becomes undetermined"),
    "diff_determined": ("不再无法判断", "no longer undetermined"),
    "diff_facts_not_found": ("找不到事实文件夹", "facts folder not found"),
    "diff_facts_empty": ("文件夹中没有事实文件（*.json）", "no facts files (*.json) in the folder"),
    # The command line's last resort: an error this program did not foresee, said in one line.
    "internal_error": (
        "ecredit {command}：{doing}时程序内部出错（{kind}{detail}），没有完成；这是本程序的问题，"
        "请把这条命令和所用的文件交给维护人员",
        "ecredit {command}: internal error while {doing} ({kind}{detail}); nothing was completed. "
        "This is a fault of this program: please send this command and its files to the maintainers",
    ),
    "doing_rulesets": ("列出规则集", "listing the rulesets"),
    "doing_evaluate": ("评价主体", "evaluating the subjects"),
    "doing_compare": ("比较各规则集的认定", "comparing the rulesets"),
    "doing_validate": ("检查规则文件", "checking the rule files"),
    "doing_test": ("运行用例", "running the test cases"),
    "doing_diff": ("比较两版规则文件", "comparing the two rule files"),
    "doing_lint": ("检查规则文件的隐患", "linting the rule files"),
    "doing_schema": ("生成 JSON Schema", "writing the JSON Schema"),
    "doing_show": ("显示规则集", "showing the ruleset"),
    "doing_verify": ("核验报告", "verifying the report"),
    # ecredit verify (verify.py)
    "verify_not_report": ("不是一份认定报告：{detail}", "not a report: {detail}"),
    "verify_ruleset_digest": (
        "规则集摘要不符：报告写的是 {expected}，规则文件 {path} 的是 {actual}（规则文件已改动，或不是同一版本）",
        "ruleset digest does not match: the report says {expected}, the rule file {path} has {actual}",
    ),
    "verify_facts_digest": (
        "事实摘要不符：报告写的是 {expected}，所给事实的是 {actual}（不是作出该报告的事实）",
        "facts digest does not match: the report says {expected}, the facts given have {actual}",
    ),
    "verify_missing": ("报告有而重算没有：{what}", "in the report but not recomputed: {what}"),
    "verify_extra": ("重算有而报告没有：{what}", "recomputed but not in the report: {what}"),
    "verify_field": (
        "{what} 的 {field} 不同：报告为 {reported}，重算为 {recomputed}",
        "{what}: {field} differs: the report has {reported}, recomputed {recomputed}",
    ),
    "verify_generator": (
        "注意：报告由 {reported} 生成，本次重算用的是 {current}",
        "note: the report was made by {reported}; this check ran {current}",
    ),
    "verify_ok": (
        "已重现：{count} 项认定、信用等级 {grade}、{undetermined} 项未能认定，与报告一致",
        "reproduced: {count} verdicts, rating {grade}, {undetermined} undetermined, as in the report",
    ),
    # --- ecredit serve (RFC 9457 problem titles and details) ---
    "http_bad_json": ("请求内容不是有效的 JSON", "the request body is not valid JSON"),
    "http_bad_json_detail": ("请求内容须是 UTF-8 编码的 JSON 文本。", "The body must be JSON text in UTF-8."),
    "http_bad_facts": ("事实有误", "the facts are not valid"),
    "http_bad_facts_detail": (
        "共 {count} 处问题，见 problems（每项给出字段路径）。",
        "{count} problem(s), each named by its field path in problems.",
    ),
    "http_bad_request": ("请求参数有误", "a request parameter is not valid"),
    "http_not_date": ("须是日期 YYYY-MM-DD，而不是 {value}", "must be a date YYYY-MM-DD, not {value}"),
    "http_date_range": ("日期须在 {low} 至 {high} 之间", "the date must be between {low} and {high}"),
    "http_bad_engine": ("引擎须是 {choices} 之一，而不是 {value}", "the engine must be one of {choices}, not {value}"),
    "http_not_list": ("请求内容须是 JSON 列表，每项是一个主体的事实", "the body must be a JSON list of facts objects"),
    "http_too_many": (
        "一次最多判断 {limit} 个主体，这里有 {count} 个",
        "at most {limit} subjects per request; this one has {count}",
    ),
    "http_unknown_ruleset": ("没有这个规则集", "no such ruleset"),
    "http_unknown_ruleset_detail": (
        "本服务没有名为 \"{name}\" 的规则集（可用：{available}）。",
        "This service has no ruleset named \"{name}\" (available: {available}).",
    ),
    "http_ruleset_broken": ("规则集暂不可用", "the ruleset is not available"),
    "http_ruleset_broken_detail": (
        "规则文件未通过校验，尚无可用版本；请管理人员修正（见 /healthz）。",
        "Its rule file does not validate and no good version was ever loaded; see /healthz.",
    ),
    "http_too_large": ("请求内容过大", "the request body is too large"),
    "http_too_large_detail": ("请求内容不得超过 {limit} 字节。", "The body must not exceed {limit} bytes."),
    "http_unauthorized": ("未授权", "unauthorized"),
    "http_unauthorized_detail": (
        "请在 Authorization 头中给出正确的令牌：Bearer <令牌>。",
        "Give the right token in the Authorization header: Bearer <token>.",
    ),
    "http_timeout": ("判断超时", "the evaluation took too long"),
    "http_timeout_detail": (
        "判断未在 {seconds} 秒内完成；请稍后重试，或分批提交。",
        "The evaluation did not finish within {seconds} s; retry later or send fewer subjects.",
    ),
    "http_internal": ("服务内部错误", "internal error"),
    "http_internal_detail": (
        "服务出现内部错误，已记录；请把决定编号 {decision_id} 告知管理人员。",
        "The service failed and logged it; give the administrator the decision id {decision_id}.",
    ),
    "http_not_found": ("没有这个地址", "no such address"),
    "http_not_found_detail": ("本服务没有 {path}；接口列表见 /docs。", "This service has no {path}; see /docs."),
    "http_method": ("不支持此请求方法", "method not allowed"),
    "http_method_detail": ("{path} 不接受 {method} 请求。", "{path} does not accept {method}."),
    # batch (docs/batch.md): problems of one input record, written into its error record
    "batch_empty_line": ("空行，不是事实对象", "empty line: not a facts object"),
    "batch_line_too_long": ("这一行超过 {limit} 字节", "line longer than {limit} bytes"),
    "batch_events_unknown": (
        "主体表写明事件未知（null），事件表中却有 {found} 个事件",
        "the subjects table says events are unknown (null), the events table holds {found}",
    ),
    "batch_events_count": (
        "主体表写明有 {said} 个事件，事件表中有 {found} 个",
        "the subjects table says {said} events, the events table holds {found}",
    ),
    "batch_internal_error": (
        "程序内部错误，未能评价这条记录（请报告）：{detail}",
        "internal error, this record could not be judged (please report it): {detail}",
    ),
    "batch_columnar_not_ready": (
        "列式引擎（columnar）尚未开放：其结果已与逐主体引擎逐字节一致，但并不明显快于 compiled"
        "（实测单核约为其 0.8–1.0 倍），请使用 --engine compiled（见 docs/batch.md）",
        "the columnar engine is not offered yet: its output agrees byte for byte with the per-subject engines, "
        "but it is not clearly faster than compiled (measured at about 0.8–1.0× its speed per core); "
        "use --engine compiled (see docs/batch.md)",
    ),
}

CATEGORY_EN = {
    "违法行为": "act",
    "合规义务": "compliance",
    "记录保存": "retention",
    "平台制度": "platform system",
    "评价项目取值": "assessment value",
    "事件类型": "event type",
}


@dataclass(frozen=True, eq=False)
class Msg:
    """A message code and its parameters, rendered in the reader's language."""

    code: MessageCode
    params: dict[str, Any] = field(default_factory=dict)

    def __init__(self, code: MessageCode, /, **params: Any) -> None:
        # ``code`` is positional-only so that a message may itself take a parameter named ``code``.
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", params)

    def render(self, lang: Lang = "zh") -> str:
        zh, en = CATALOGUE[self.code]
        params = dict(self.params)
        params.setdefault("category_en", CATEGORY_EN.get(str(params.get("category", "")), params.get("category", "")))
        suggestion = params.pop("suggestion", None)
        if suggestion:
            params["hint"] = f"，是否为 \"{suggestion}\"？" if lang == "zh" else f"; did you mean \"{suggestion}\"?"
        else:
            params["hint"] = ""
        return (zh if lang == "zh" else en).format(**params)


def suggest(word: object, choices: Iterable[object]) -> str | None:
    """The closest known spelling to ``word``, if one is close enough to be a likely typo.

    >>> suggest("contract_frud", ["contract_fraud", "counterfeit_goods"])
    'contract_fraud'
    """
    names = [str(c) for c in choices]
    found = difflib.get_close_matches(str(word), names, n=1, cutoff=0.75)
    return found[0] if found else None
