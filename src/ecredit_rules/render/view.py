"""What the auditor's document shows, as plain data for the templates (CONTRACT §8).

Everything a page needs is worked out here, so the templates only lay it out: the evidence events
in full (looked up in the validated facts by id), the parameters with their units, the chain of
verdicts a verdict rests on (laid out for the inline SVG), and the facts still to collect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..compare import Comparison
from ..facts import Facts
from ..ir import CompiledRuleset
from ..report import Report, Verdict
from ..table import NONE, STATUS_ZH, kind_name, period_text
from ..vocabulary import vocabulary

UNIT_ZH = {"times": "次", "months": "个月", "days": "日", "working_days": "个工作日", "yuan": "元"}
_PATH_PARTS_ZH = {"subject": "主体", "events": "事件记录", "assessment": "综合评价", "lists": "名单",
                  "roles": "主体角色", "licensed": "是否依法取得许可", "legal_form": "组织形式"}

# The chain diagram: boxes of this size (px), in columns from the first ground to the verdict.
BOX_W, BOX_H, GAP_X, GAP_Y, BOX_CHARS = 176, 44, 36, 10, 12


@dataclass
class Box:
    x: int
    y: int
    kind: str
    label: str  # the clause label, shortened to fit
    full: str  # the clause label and the rule id, shown as the box's title (tooltip)


@dataclass
class Chain:
    """The verdicts one verdict rests on, by level (first grounds first, the verdict itself last)."""

    levels: list[list[Verdict]]
    boxes: list[Box] = field(default_factory=list)
    arrows: list[tuple[int, int, int, int]] = field(default_factory=list)
    width: int = 0
    height: int = 0


def _short(text: str) -> str:
    return text if len(text) <= BOX_CHARS else text[: BOX_CHARS - 1] + "…"


def chain_of(verdict: Verdict, by_rule: dict[str, Verdict]) -> Chain | None:
    """The chain under ``verdict`` laid out left to right, or None when it rests on no other verdict."""
    if not verdict.derived_from:
        return None
    depth: dict[str, int] = {verdict.rule: 0}
    todo = [verdict]
    while todo:  # longest distance from the verdict, so a ground shared by two levels sits leftmost
        current = todo.pop()
        for parent in current.derived_from:
            found = by_rule.get(parent)
            if found is not None and depth.get(parent, -1) < depth[current.rule] + 1 and depth[current.rule] < 32:
                depth[parent] = depth[current.rule] + 1
                todo.append(found)
    deepest = max(depth.values())
    levels: list[list[Verdict]] = [[] for _ in range(deepest + 1)]
    for rule_id, d in depth.items():
        levels[deepest - d].append(by_rule.get(rule_id, verdict))
    chain = Chain(levels)
    where: dict[str, tuple[int, int]] = {}
    for col, level in enumerate(levels):
        for row, v in enumerate(level):
            x, y = col * (BOX_W + GAP_X), row * (BOX_H + GAP_Y)
            where[v.rule] = (x, y)
            chain.boxes.append(Box(x, y, kind_name(v.kind), _short(v.citation.label), f"{v.citation.label} {v.rule}"))
    for level in levels:
        for v in level:
            for parent in v.derived_from:
                if parent in where:
                    (px, py), (cx, cy) = where[parent], where[v.rule]
                    chain.arrows.append((px + BOX_W, py + BOX_H // 2, cx - 4, cy + BOX_H // 2))
    chain.width = len(levels) * (BOX_W + GAP_X) - GAP_X + 2
    chain.height = max(len(level) for level in levels) * (BOX_H + GAP_Y) - GAP_Y + 2
    return chain


def _event_row(event: Any) -> dict[str, str]:
    vocab = vocabulary()
    act = event.act
    return {
        "id": event.id,
        "date": event.date.isoformat(),
        "type": vocab.event_types.get(event.type, event.type),
        "act": f"{vocab.acts.get(act, act)}（{act}）" if act else NONE,
        "authority": event.authority or NONE,
        "reference": event.reference or NONE,
        "amounts": _amounts(event),
        "other": "；".join(x for x in (f"等级 {event.grade}" if event.grade else "",
                                        f"答复 {event.answers}" if event.answers else "") if x) or NONE,
    }


def _amounts(event: Any) -> str:
    parts = []
    if event.sales_amount is not None:
        parts.append(f"销售额 {event.sales_amount} 元")
    if event.illegal_gain is not None:
        parts.append(f"违法所得 {event.illegal_gain} 元")
    return "；".join(parts) or NONE


def path_name(path: str) -> str:
    """A fact path with the vocabulary's Chinese name: ``compliance.seven_day_returns`` → ``… （七日无理由退货）``."""
    vocab = vocabulary()
    head, _, rest = path.partition(".")
    names = getattr(vocab, head, None) if head in ("compliance", "retention_days", "platform_systems") else None
    if isinstance(names, dict) and rest in names:
        return f"{path}（{names[rest]}）"
    last = rest.rpartition(".")[2] if rest else head
    if last in _PATH_PARTS_ZH:
        return f"{path}（{_PATH_PARTS_ZH[last]}）"
    return path


def _fact_value(facts: Facts, path: str) -> str:
    value: Any = facts
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
        if value is None:
            return "未提供"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple | list):
        return "、".join(map(str, value)) or "（无）"
    return str(value)


def _parameters(rs: CompiledRuleset, verdict: Verdict) -> list[dict[str, str]]:
    applied = verdict.details.get("parameters") or {}
    rows = []
    for name, used in applied.items():
        param = rs.parameters.get(name)
        unit = UNIT_ZH.get(param.unit, param.unit) if param else ""
        rows.append({"name": name, "description": param.description if param else NONE,
                     "value": f"{used['value']} {unit}".strip(), "from": used["from"]})
    return rows


def _details(verdict: Verdict) -> list[tuple[str, str]]:
    d = verdict.details
    if verdict.kind == "deadline":
        status = STATUS_ZH.get(str(d.get("status")), str(d.get("status")))
        rows = [("起算事件", f"{d.get('trigger')}（{d.get('trigger_date')}）"),
                ("期限", f"{d.get('working_days')} 个工作日，至 {d.get('due')}"), ("状态", status)]
        if d.get("answered_by"):
            rows.append(("答复", f"{d['answered_by']}（{d.get('answered_on')}）"))
        return rows
    if verdict.kind == "rating":
        return [("等级", str(d.get("grade")))]
    if verdict.kind == "notice":
        return [("施行期", f"{d.get('in_force_from')} 至 {d.get('in_force_until') or '长期'}")]
    return []


def verdict_view(verdict: Verdict, rs: CompiledRuleset, facts: Facts, by_rule: dict[str, Verdict]) -> dict[str, Any]:
    """One verdict as the document shows it."""
    events = {e.id: e for e in facts.events or ()}
    names = rs.rule_names
    rows = [_event_row(events[i]) for i in verdict.evidence if i in events]
    chain = chain_of(verdict, by_rule)
    return {
        "v": verdict,
        "kind_zh": kind_name(verdict.kind),
        "events": rows,
        "has_other": any(row["other"] != NONE for row in rows),
        "facts": [{"path": path_name(p), "value": _fact_value(facts, p)} for p in verdict.evidence if p not in events],
        "parameters": _parameters(rs, verdict),
        "details": _details(verdict),
        "derived": [f"{by_rule[r].citation.label if r in by_rule else ''} {names.get(r, (r, None))[0]}（{r}）".strip()
                    for r in verdict.derived_from],
        "chain": chain,
        "chain_text": _chain_text(chain),
    }


def _chain_text(chain: Chain | None) -> str:
    if chain is None:
        return ""
    return " → ".join("、".join(f"{kind_name(v.kind)}（{v.citation.label}）" for v in level) for level in chain.levels)


def report_view(report: Report, facts: Facts, rs: CompiledRuleset) -> dict[str, Any]:
    """One subject's report as the document shows it."""
    by_rule = {v.rule: v for v in report.verdicts}
    names = rs.rule_names
    undetermined = []
    for item in report.undetermined:
        label, clause = names.get(item.rule, (item.rule, None))
        cited = rs.clauses[clause].label if clause in rs.clauses else NONE
        undetermined.append({"rule": item.rule, "label": label, "clause": cited,
                             "missing": [path_name(p) for p in item.missing]})
    period = rs.document.in_force
    return {
        "r": report,
        "rs": rs,
        "subject_name": facts.subject.name,
        "state": "施行中" if report.in_force else f"不在施行期内（{period_text(period)}）",
        "period": period_text(period),
        "verdicts": [verdict_view(v, rs, facts, by_rule) for v in report.verdicts],
        "undetermined": undetermined,
        "issuer": rs.document.issuer,
    }


def comparison_view(comparison: Comparison) -> list[dict[str, str]]:
    """One row per compared ruleset: in force, grade, how many verdicts."""
    return [{"id": c.id, "title": c.title, "number": c.number or NONE,
             "state": "施行中" if c.in_force else "不在施行期内", "grade": c.rating or NONE,
             "verdicts": str(len(c.verdicts))} for c in comparison.rulesets]


def ruleset_view(rs: CompiledRuleset) -> dict[str, Any]:
    """The ruleset as law beside code: each clause, the rules encoding it, or why it is not encoded."""
    m = rs.model
    encoding: dict[str, list[dict[str, Any]]] = {cid: [] for cid in m.clauses}
    for rule in m.rules:
        encoding.setdefault(rule.cites, []).append(
            {"id": rule.id, "kind": kind_name(rule.kind), "label": rule.label, "interpretation": rule.interpretation})
    if m.rating:
        for grade in m.rating.grades:
            encoding.setdefault(grade.cites, []).append({"id": grade.id, "kind": kind_name("rating"),
                                                         "label": f"{grade.grade}：{grade.label}",
                                                         "interpretation": grade.interpretation})
    for d in m.deadlines:
        encoding.setdefault(d.cites, []).append(
            {"id": d.id, "kind": kind_name("deadline"), "label": d.label, "interpretation": d.interpretation})
    period = m.document.in_force
    if period.clause:
        encoding.setdefault(period.clause, []).append({"id": f"{rs.id}.in_force", "kind": "施行期",
                                                       "label": period_text(period),
                                                       "interpretation": period.interpretation})
    reasons = {n.clause: n.reason for n in m.not_encoded}
    clauses = [{"id": cid, "c": c, "heading": _heading(c.heading, c.label), "rules": encoding.get(cid, []),
                "reason": reasons.get(cid)} for cid, c in m.clauses.items()]
    parameters = [{"name": name, "description": p.description, "unit": UNIT_ZH.get(p.unit, p.unit),
                   "values": [(v.from_.isoformat(), v.value) for v in p.values]} for name, p in m.parameters.items()]
    return {"rs": rs, "doc": m.document, "period": period_text(period), "clauses": clauses, "parameters": parameters}


def _heading(path: list[str] | None, label: str) -> str:
    text = " › ".join(path or [])
    return "" if text == label else text


def entries_title(entries: Sequence[tuple[Report, Facts, CompiledRuleset]]) -> str:
    first = entries[0][0]
    return f"信用认定报告 · {first.ruleset.title} · {first.subject}" if len(entries) == 1 else "信用认定报告"
