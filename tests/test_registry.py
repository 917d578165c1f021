"""Hot reload: RulesetRegistry swaps edited rule files in, keeps the last good version on a bad edit,
lets in-flight evaluations finish on their version and frees replaced durable networks.

Every test edits its own copy of rules/tuquan.yaml under tmp_path. Waits are bounded and driven by
events, never by sleeping and hoping.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import ecredit_rules as ec
from ecredit_rules import registry as registry_module
from ecredit_rules.bundled import rules_dir
from ecredit_rules.engines.durable import PROGRAM as DURABLE
from tests.conftest import event, fired, subject

AS_OF = date(2024, 6, 30)
WAIT = 30.0  # seconds; only ever reached when the behaviour under test is broken

# 第十一条“3次以上” becomes “2次以上” from 2024-01-01: a dated value added, the old one kept.
THRESHOLD = "    unit: times\n    values:\n      - {from: 2016-01-01, value: 3}\n"
THRESHOLD_LOWERED = THRESHOLD + "      - {from: 2024-01-01, value: 2}\n"
GOOD_CODE = "acts: [contract_fraud], within_months: {param: window_months}, at_least"
TYPO_CODE = GOOD_CODE.replace("contract_fraud", "contract_frud")

ITEM4 = "tuquan.art11.item4"  # 利用合同欺诈，12个月内被行政处罚3次以上

# Two contract-fraud penalties inside twelve months: not enough under "3次以上", enough under "2次以上".
TWO_PENALTIES: dict[str, Any] = {
    "subject": subject(),
    "events": [
        event("P1", "penalty", "2024-02-01", "contract_fraud"),
        event("P2", "penalty", "2024-05-01", "contract_fraud"),
    ],
}


def digest_of(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the edit must touch exactly one place, found {text.count(old)}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def rule_file(tmp_path: Path) -> Path:
    target = tmp_path / "tuquan.yaml"
    shutil.copy(rules_dir() / "tuquan.yaml", target)
    return target


@pytest.fixture
def registry(rule_file: Path) -> Iterator[ec.RulesetRegistry]:
    reg = ec.RulesetRegistry([rule_file], interval=0.05)
    yield reg
    reg.close()


# --- loading and plain reloads --------------------------------------------------------------------


def test_registry_serves_the_file_it_was_given(registry: ec.RulesetRegistry, rule_file: Path) -> None:
    assert registry.ids() == ["tuquan"]
    assert registry.digest("tuquan") == digest_of(rule_file)
    assert registry.get("tuquan").path == rule_file


def test_default_sources_are_the_bundled_rulesets() -> None:
    reg = ec.RulesetRegistry()
    try:
        assert reg.ids() == ec.available_rulesets()
        assert reg.errors == {}
    finally:
        reg.close()


def test_unknown_id_raises_key_error(registry: ec.RulesetRegistry) -> None:
    with pytest.raises(KeyError, match="lingyuan"):
        registry.get("lingyuan")


def test_reload_without_an_edit_changes_nothing(registry: ec.RulesetRegistry, rule_file: Path) -> None:
    before = registry.get("tuquan")
    rule_file.touch()  # a new mtime but the same content is not a new version
    assert registry.reload() == {"tuquan": "unchanged"}
    assert registry.get("tuquan") is before


def test_good_edit_is_swapped_in_and_reports_carry_the_new_digest(
    registry: ec.RulesetRegistry, rule_file: Path
) -> None:
    old_digest = registry.digest("tuquan")
    assert ITEM4 not in fired(registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF))

    edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
    assert registry.reload() == {"tuquan": "swapped"}

    new_digest = digest_of(rule_file)
    assert new_digest != old_digest
    assert registry.digest("tuquan") == new_digest
    report = registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)
    assert report.ruleset.digest == new_digest
    assert ITEM4 in fired(report)


def test_dated_value_keeps_the_old_threshold_for_earlier_days(registry: ec.RulesetRegistry, rule_file: Path) -> None:
    edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
    registry.reload()
    # As of 2023-12-31 the two penalties fall under the old "3次以上": history is kept.
    early = {**TWO_PENALTIES, "events": [
        event("P1", "penalty", "2023-03-01", "contract_fraud"),
        event("P2", "penalty", "2023-11-01", "contract_fraud"),
    ]}
    assert ITEM4 not in fired(registry.evaluate("tuquan", early, as_of=date(2023, 12, 31)))
    assert ITEM4 in fired(registry.evaluate("tuquan", early, as_of=date(2024, 1, 1)))


def test_on_swap_is_called_with_the_old_and_new_versions(rule_file: Path) -> None:
    swaps: list[tuple[str, ec.Ruleset | None, ec.Ruleset]] = []
    reg = ec.RulesetRegistry([rule_file], on_swap=lambda i, old, new: swaps.append((i, old, new)))
    try:
        first = reg.get("tuquan")
        edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
        reg.reload()
        assert [(i, old) for i, old, _ in swaps] == [("tuquan", None), ("tuquan", first)]
        assert swaps[-1][2] is reg.get("tuquan")
    finally:
        reg.close()


# --- broken edits -----------------------------------------------------------------------------------


def test_broken_edit_keeps_the_last_good_version_serving(registry: ec.RulesetRegistry, rule_file: Path) -> None:
    good = registry.get("tuquan")
    edit(rule_file, GOOD_CODE, TYPO_CODE)

    assert registry.reload() == {"tuquan": "failed"}

    assert registry.get("tuquan") is good
    report = registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)
    assert report.ruleset.digest == good.digest


def test_broken_edit_is_reported_with_file_line_and_column(registry: ec.RulesetRegistry, rule_file: Path) -> None:
    edit(rule_file, GOOD_CODE, TYPO_CODE)
    registry.reload()

    lines = rule_file.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, 1) if "contract_frud" in text)
    column = lines[line - 1].index("contract_frud") + 1
    error = registry.errors["tuquan"]
    assert isinstance(error, ec.RulesetError)
    assert [str(p) for p in error.problems] == [
        f"{rule_file}:{line}:{column}: 未知的违法行为代码 \"contract_frud\"，是否为 \"contract_fraud\"？"
    ]


def test_broken_edit_is_passed_to_on_error_and_logged(
    rule_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[str, ec.RulesetError]] = []
    reg = ec.RulesetRegistry([rule_file], on_error=lambda i, err: seen.append((i, err)))
    try:
        edit(rule_file, GOOD_CODE, TYPO_CODE)
        with caplog.at_level(logging.ERROR, logger="ecredit_rules.registry"):
            reg.reload()
        assert seen == [("tuquan", reg.errors["tuquan"])]
        assert any("contract_frud" in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    finally:
        reg.close()


def test_broken_edit_is_reported_once_not_on_every_check(rule_file: Path) -> None:
    seen: list[str] = []
    reg = ec.RulesetRegistry([rule_file], on_error=lambda i, err: seen.append(i))
    try:
        edit(rule_file, GOOD_CODE, TYPO_CODE)
        assert reg.reload() == {"tuquan": "failed"}
        assert reg.reload() == {"tuquan": "unchanged"}
        assert seen == ["tuquan"]
        assert "tuquan" in reg.errors  # still broken, still reported
    finally:
        reg.close()


def test_fixing_a_broken_edit_swaps_the_fix_in_and_clears_the_error(
    registry: ec.RulesetRegistry, rule_file: Path
) -> None:
    edit(rule_file, GOOD_CODE, TYPO_CODE)
    registry.reload()
    edit(rule_file, TYPO_CODE, GOOD_CODE)
    edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)

    assert registry.reload() == {"tuquan": "swapped"}

    assert registry.errors == {}
    assert registry.digest("tuquan") == digest_of(rule_file)
    assert ITEM4 in fired(registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF))


def test_reverting_a_broken_edit_restores_without_a_swap(registry: ec.RulesetRegistry, rule_file: Path) -> None:
    good = registry.get("tuquan")
    edit(rule_file, GOOD_CODE, TYPO_CODE)
    registry.reload()
    edit(rule_file, TYPO_CODE, GOOD_CODE)

    assert registry.reload() == {"tuquan": "restored"}

    assert registry.errors == {}
    assert registry.get("tuquan") is good


def test_file_broken_at_start_is_served_once_fixed(rule_file: Path) -> None:
    edit(rule_file, GOOD_CODE, TYPO_CODE)
    reg = ec.RulesetRegistry([rule_file])
    try:
        assert reg.ids() == []
        with pytest.raises(ec.RulesetError, match="contract_frud"):
            reg.get("tuquan")
        edit(rule_file, TYPO_CODE, GOOD_CODE)
        assert reg.reload() == {"tuquan": "loaded"}
        assert reg.ids() == ["tuquan"]
    finally:
        reg.close()


def test_deleted_file_keeps_the_last_good_version_serving(registry: ec.RulesetRegistry, rule_file: Path) -> None:
    good = registry.get("tuquan")
    rule_file.unlink()

    assert registry.reload() == {"tuquan": "failed"}

    assert registry.get("tuquan") is good
    assert "tuquan" in registry.errors


def test_folder_source_picks_up_a_new_rule_file(tmp_path: Path, rule_file: Path) -> None:
    reg = ec.RulesetRegistry(tmp_path)
    try:
        assert reg.ids() == ["tuquan"]
        shutil.copy(rules_dir() / "nanan.yaml", tmp_path / "nanan.yaml")
        assert reg.reload() == {"nanan": "loaded", "tuquan": "unchanged"}
        assert reg.ids() == ["nanan", "tuquan"]
    finally:
        reg.close()


# --- evaluations during a swap, and freeing old versions --------------------------------------------


def test_evaluations_in_threads_during_a_swap_each_use_one_whole_version(
    registry: ec.RulesetRegistry, rule_file: Path
) -> None:
    old_digest = registry.digest("tuquan")
    workers = 4
    warmed = [threading.Event() for _ in range(workers)]
    saw_new = [threading.Event() for _ in range(workers)]
    stop = threading.Event()
    reports: list[list[ec.Report]] = [[] for _ in range(workers)]
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            while not stop.is_set():
                report = registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)
                reports[n].append(report)
                warmed[n].set()
                if report.ruleset.digest != old_digest:
                    saw_new[n].set()
        except BaseException as exc:  # surfaced by the assertion below, not lost in the thread
            failures.append(exc)
            warmed[n].set()
            saw_new[n].set()

    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
    for t in threads:
        t.start()
    try:
        assert all(e.wait(WAIT) for e in warmed)
        edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
        assert registry.reload() == {"tuquan": "swapped"}
        assert all(e.wait(WAIT) for e in saw_new)
    finally:
        stop.set()
        for t in threads:
            t.join(WAIT)
    assert failures == []
    new_digest = digest_of(rule_file)
    everything = [r for rs in reports for r in rs]
    assert {r.ruleset.digest for r in everything} == {old_digest, new_digest}
    for report in everything:
        # The verdict matches the version the report names: 3次以上 before the swap, 2次以上 after.
        assert (ITEM4 in fired(report)) == (report.ruleset.digest == new_digest)


def test_evaluation_in_flight_finishes_on_the_version_it_started_with(
    registry: ec.RulesetRegistry, rule_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)  # builds the durable network of the old version
    old = registry.get("tuquan")
    started, proceed = threading.Event(), threading.Event()
    real_evaluate = registry_module.evaluate

    def gated(*args: Any, **kwargs: Any) -> ec.Report:
        started.set()
        assert proceed.wait(WAIT)
        return real_evaluate(*args, **kwargs)

    monkeypatch.setattr(registry_module, "evaluate", gated)
    result: list[ec.Report] = []
    worker = threading.Thread(
        target=lambda: result.append(registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)), daemon=True
    )
    worker.start()
    assert started.wait(WAIT)

    edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
    assert registry.reload() == {"tuquan": "swapped"}
    assert DURABLE in old._artefacts  # still in use: not freed under the running evaluation

    proceed.set()
    worker.join(WAIT)
    assert not worker.is_alive()
    assert result[0].ruleset.digest == old.digest
    assert ITEM4 not in fired(result[0])
    assert old._artefacts == {}  # freed as soon as the last evaluation on it ended


def test_old_durable_network_is_freed_after_the_swap_once_idle(
    registry: ec.RulesetRegistry, rule_file: Path
) -> None:
    registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)
    old = registry.get("tuquan")
    program = old._artefacts[DURABLE]
    closed: list[object] = []
    real_close = program.close

    def spy() -> None:
        closed.append(program)
        real_close()

    program.close = spy  # type: ignore[attr-defined]

    edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
    registry.reload()

    assert closed == [program]
    assert old._artefacts == {}
    # The new version serves on its own network.
    assert ITEM4 in fired(registry.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF))


def test_version_held_with_use_is_not_freed_before_the_block_ends(
    registry: ec.RulesetRegistry, rule_file: Path
) -> None:
    with registry.use("tuquan") as held:
        ec.evaluate(held, TWO_PENALTIES, as_of=AS_OF)
        edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
        registry.reload()
        assert DURABLE in held._artefacts
        assert ITEM4 not in fired(ec.evaluate(held, TWO_PENALTIES, as_of=AS_OF))
    assert held._artefacts == {}


def test_close_frees_every_serving_version_and_refuses_further_use(rule_file: Path) -> None:
    reg = ec.RulesetRegistry([rule_file])
    reg.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)
    serving = reg.get("tuquan")
    reg.close()
    assert serving._artefacts == {}
    with pytest.raises(RuntimeError, match="closed"):
        reg.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)


# --- the watcher thread ---------------------------------------------------------------------------


def test_watcher_picks_up_a_good_edit_without_reload(rule_file: Path) -> None:
    swapped = threading.Event()
    reg = ec.RulesetRegistry(
        [rule_file], interval=0.05, on_swap=lambda i, old, new: swapped.set() if old is not None else None
    )
    with reg:
        edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
        assert swapped.wait(WAIT)
        assert reg.digest("tuquan") == digest_of(rule_file)


def test_watcher_reports_a_broken_edit_through_on_error(rule_file: Path) -> None:
    failed = threading.Event()
    reg = ec.RulesetRegistry([rule_file], interval=0.05, on_error=lambda i, err: failed.set())
    with reg:
        good = reg.get("tuquan")
        edit(rule_file, GOOD_CODE, TYPO_CODE)
        assert failed.wait(WAIT)
        assert reg.get("tuquan") is good


def test_watcher_survives_a_failing_callback(rule_file: Path) -> None:
    swaps = threading.Semaphore(0)

    def on_swap(i: str, old: ec.Ruleset | None, new: ec.Ruleset) -> None:
        swaps.release()
        raise RuntimeError("a faulty callback")

    reg = ec.RulesetRegistry([rule_file], interval=0.05, on_swap=on_swap)
    assert swaps.acquire(timeout=WAIT)  # the first load, on construction
    with reg:
        edit(rule_file, THRESHOLD, THRESHOLD_LOWERED)
        assert swaps.acquire(timeout=WAIT)  # its callback raised...
        edit(rule_file, "value: 2}", "value: 1}")
        assert swaps.acquire(timeout=WAIT)  # ...and the watcher kept watching
        assert reg.digest("tuquan") == digest_of(rule_file)


def test_stop_ends_the_watcher_thread(registry: ec.RulesetRegistry) -> None:
    registry.start()
    thread = registry._thread
    assert thread is not None and thread.daemon and registry.watching
    registry.stop()
    assert not thread.is_alive()
    assert not registry.watching


def test_leaving_the_with_block_stops_the_watcher(rule_file: Path) -> None:
    with ec.RulesetRegistry([rule_file], interval=0.05) as reg:
        thread = reg._thread
        assert reg.watching
    assert thread is not None and not thread.is_alive()


def test_a_callback_may_close_the_registry(rule_file: Path) -> None:
    closed = threading.Event()

    def on_error(i: str, err: ec.RulesetError) -> None:
        reg.close()
        closed.set()

    reg = ec.RulesetRegistry([rule_file], interval=0.05, on_error=on_error)
    served = reg.get("tuquan")
    reg.evaluate("tuquan", TWO_PENALTIES, as_of=AS_OF)  # builds the durable network that close() frees
    edit(rule_file, GOOD_CODE, TYPO_CODE)
    threading.Thread(target=reg.reload, daemon=True).start()
    assert closed.wait(WAIT)
    with pytest.raises(RuntimeError):
        reg.get("tuquan")
    assert served._artefacts == {}
