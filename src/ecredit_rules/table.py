"""Plain-text rendering for people: reports, comparisons and ruleset lists, labelled in Chinese.

Columns are aligned by display width, not by ``len``: a Chinese character takes two terminal
cells, so padding by character count would leave every Chinese column ragged.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence

from .compare import Comparison, FactRow, RulesetColumn
from .ir import CompiledRuleset
from .language import InForce
from .report import Report, Verdict
from .vocabulary import vocabulary

STATUS_ZH = {"met": "已按时办结", "overdue": "已逾期", "pending": "办理中"}
NONE = "—"


def display_width(text: str) -> int:
    """Terminal cells ``text`` occupies: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` display cells."""
    return text + " " * max(0, width - display_width(text))


def columns(rows: Sequence[Sequence[str]], indent: str = "") -> list[str]:
    """Rows aligned in columns two cells apart; the last column is left unpadded."""
    if not rows:
        return []
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    out = []
    for row in rows:
        cells = [pad(cell, widths[i]) for i, cell in enumerate(row[:-1])] + [row[-1]]
        out.append((indent + "  ".join(cells)).rstrip())
    return out


def kind_name(kind: str) -> str:
    """Chinese name of a verdict kind, from the shared vocabulary."""
    return vocabulary().kinds.get(kind, kind)


def period_text(period: InForce) -> str:
    """``2016-01-01 至 长期`` or ``2016-01-01 至 2020-12-31``."""
    until = period.until.isoformat() if period.until else "长期"
    return f"{period.from_.isoformat()} 至 {until}"


def joined(items: Iterable[str]) -> str:
    text = "、".join(items)
    return text or NONE


# --- ecredit rulesets ---------------------------------------------------------------------------


def ruleset_list(rulesets: Sequence[CompiledRuleset]) -> str:
    """The bundled rulesets as a table: id, title, number, period of force."""
    rows = [["编号", "标题", "文号", "施行期"]]
    for rs in rulesets:
        doc = rs.document
        rows.append([rs.id, doc.title, doc.number or NONE, period_text(doc.in_force)])
    return "\n".join(columns(rows)) + "\n"


# --- ecredit evaluate --format table ------------------------------------------------------------


def _verdict_lines(verdict: Verdict, interpretations: dict[str, str]) -> list[str]:
    head = f"  【{kind_name(verdict.kind)}】{verdict.citation.label}  {verdict.label}"
    lines = [head, f"      规则：{verdict.rule}"]
    if verdict.rule in interpretations:
        # The reader sees the reading of an ambiguous text that this verdict relied on.
        lines.append(f"      解释：{interpretations[verdict.rule]}")
    if verdict.evidence:
        lines.append(f"      证据：{joined(verdict.evidence)}")
    if verdict.derived_from:
        lines.append(f"      依据：{joined(verdict.derived_from)}")
    if verdict.kind == "deadline":
        status = STATUS_ZH.get(str(verdict.details.get("status")), str(verdict.details.get("status")))
        lines.append(f"      期限：{verdict.details.get('due')}  {status}")
    if verdict.kind == "rating":
        lines.append(f"      等级：{verdict.details.get('grade')}")
    if verdict.kind == "notice":
        until = verdict.details.get("in_force_until") or "长期"
        lines.append(f"      施行期：{verdict.details.get('in_force_from')} 至 {until}")
    return lines


def report_table(report: Report, rs: CompiledRuleset, subject_name: str | None = None) -> str:
    """One report for people: header, verdicts with clause and evidence, and what stayed unknown."""
    info = report.ruleset
    subject = report.subject + (f"（{subject_name}）" if subject_name else "")
    state = "施行中" if report.in_force else f"不在施行期内（{period_text(rs.document.in_force)}）"
    header = [
        ["规则集", info.title],
        ["文号", info.number or NONE],
        ["评价日", report.as_of.isoformat()],
        ["主体", subject],
        ["施行状态", state],
    ]
    if report.rating is not None:
        header.append(["信用等级", f"{report.rating.grade}（{report.rating.citation.label}）"])
    lines = columns(header)
    lines += ["", f"认定（{len(report.verdicts)}）"]
    interpretations = rs.interpretations
    for verdict in report.verdicts:
        lines += _verdict_lines(verdict, interpretations)
    if not report.verdicts:
        lines.append("  （无认定）")
    if report.undetermined:
        names = rs.rule_names
        lines += ["", f"无法判断（{len(report.undetermined)}）"]
        for entry in report.undetermined:
            label, cites = names.get(entry.rule, ("", None))
            clause = rs.clauses[cites].label if cites in rs.clauses else ""
            lines.append(f"  {clause}  {label}".rstrip() if clause or label else f"  {entry.rule}")
            lines.append(f"      规则：{entry.rule}")
            lines.append(f"      缺少事实：{joined(entry.missing)}")
    return "\n".join(lines) + "\n"


# --- ecredit compare --format table -------------------------------------------------------------


def _column_state(col: RulesetColumn) -> str:
    if not col.in_force:
        return "不在施行期内，未比较"
    return "施行中"


def _fact_value(row: FactRow) -> str:
    if row.events:
        return "事件 " + joined(row.events)
    if isinstance(row.value, bool):
        return {"compliance": ("已履行", "未履行"), "platform_systems": ("已建立", "未建立")}.get(
            row.fact.split(".")[0], ("是", "否")
        )[0 if row.value else 1]
    return NONE if row.value is None else f"{row.value} 天"


def comparison_table(cmp: Comparison, subject_name: str | None = None) -> str:
    """The side-by-side comparison for people."""
    subject = cmp.subject + (f"（{subject_name}）" if subject_name else "")
    lines = columns([["主体", subject], ["评价日", cmp.as_of.isoformat()]])
    lines += ["", "规则集"]
    rows = [["编号", "标题", "施行状态", "信用等级", "认定数"]]
    for col in cmp.rulesets:
        grade = col.rating or NONE
        count = str(len(col.verdicts)) if col.in_force else NONE
        rows.append([col.id, col.title, _column_state(col), grade if col.in_force else NONE, count])
    lines += columns(rows, indent="  ")
    for col in cmp.rulesets:
        if not col.in_force:
            continue
        lines += ["", f"{col.id}：{col.title}（{col.number or '无文号'}）"]
        rows = [[f"【{kind_name(v.kind)}】", v.clause, v.label] for v in col.verdicts]
        lines += columns(rows, indent="  ") or ["  （无认定）"]
        for entry in col.undetermined:
            lines.append(f"  无法判断 {entry.rule}：缺少事实 {joined(entry.missing)}")
    lines += _facts_section(cmp)
    lines += _differences_section(cmp)
    return "\n".join(lines) + "\n"


def _facts_section(cmp: Comparison) -> list[str]:
    if not cmp.facts:
        return []
    lines = ["", "行为与事实落在哪一条"]
    for row in cmp.facts:
        lines.append(f"  {row.name}（{row.fact}）：{_fact_value(row)}")
        cells = []
        for rid, refs in row.clauses.items():
            # Several rules may cite one clause (one per act, say); name the clause once.
            cells.append([rid, joined(dict.fromkeys(f"{r.clause}【{kind_name(r.kind)}】" for r in refs))])
        lines += columns(cells, indent="      ")
    return lines


def _differences_section(cmp: Comparison) -> list[str]:
    diff = cmp.differences
    lines = ["", "差异"]
    for k in diff.kinds:
        fired = joined(f"{rid}（{joined(rules)}）" for rid, rules in k.fired_in.items())
        parts = [f"{fired}认定"]
        if k.not_fired:
            parts.append(f"{joined(k.not_fired)} 未认定")
        if k.no_rule:
            parts.append(f"{joined(k.no_rule)} 无此类规定")
        lines.append(f"  {kind_name(k.kind)}：{'；'.join(parts)}")
    for r in diff.retention:
        have = NONE if r.subject_days is None else f"{r.subject_days} 天"
        parts = [
            f"{rid} 要求≥{days} 天" if days is not None else f"{rid} 未规定" for rid, days in r.required_days.items()
        ]
        lines.append(f"  记录保存 {r.name}（retention_days.{r.record}，主体 {have}）：{'；'.join(parts)}")
    if len(lines) == 2:
        lines.append("  （各规则集结论相同）" if cmp.compared else "  （无施行中的规则集可比较）")
    return lines
