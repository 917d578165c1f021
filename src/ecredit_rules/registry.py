"""Hot reload for long-running users: the current version of each ruleset, swapped when its file changes.

A government system evaluates subjects all day while policy staff edit ``rules/<id>.yaml``. The
registry keeps one *serving* :class:`CompiledRuleset` per id and checks the files (on demand with
:meth:`RulesetRegistry.reload`, or every ``interval`` seconds from a daemon thread):

- a file whose content changed is loaded and, if it validates, swapped in atomically; evaluations
  that started earlier finish on the version they started with, and every report carries the
  digest of the version that produced it;
- an edit that fails validation changes nothing that is served: the last good version keeps
  answering, and the error is recorded (:attr:`RulesetRegistry.errors`), logged and passed to
  ``on_error``;
- a replaced version is closed (its durable-rules network freed, see ``engines/durable.py``) as soon
  as no evaluation is using it any more; durable-rules never frees a registered ruleset by itself.

>>> import ecredit_rules as ec
>>> with ec.RulesetRegistry(interval=5.0) as registry:   # the bundled rulesets, watched
...     report = registry.evaluate("tuquan", {"subject": {"id": "S1"}, "events": []}, as_of=date(2024, 6, 30))
>>> report.ruleset.digest.startswith("sha256:")
True
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from .bundled import VOCABULARY_FILE, available_rulesets, rules_dir
from .errors import Problem, RulesetError
from .evaluate import evaluate
from .facts import Facts
from .ir import CompiledRuleset
from .limits import MAX_RULE_FILE_BYTES
from .loader import load_ruleset, resolve_path
from .messages import Lang, Msg
from .report import Report

log = logging.getLogger(__name__)

Status = Literal["loaded", "swapped", "unchanged", "restored", "failed"]
"""What :meth:`RulesetRegistry.reload` did for one id:

- ``loaded``: the first good version of this id now serves;
- ``swapped``: a new version replaced the one serving;
- ``unchanged``: no new content since the last check (a recorded error stays in ``errors``);
- ``restored``: the file is back to the serving content after a failed edit; the error is cleared;
- ``failed``: new content that does not validate; the last good version (if any) keeps serving.
"""

ErrorCallback = Callable[[str, RulesetError], None]
SwapCallback = Callable[[str, CompiledRuleset | None, CompiledRuleset], None]

# A file written twice within one timestamp tick keeps its mtime (ext4 ticks are coarse on some
# kernels, FAT's are 2 s). A stat taken this close to the file's mtime proves nothing, so such a
# file is hashed again on the next check — the "racy git" rule.
_RACY_SECONDS = 2.0


@dataclass(eq=False)
class _Version:
    """One compiled version and the evaluations currently using it."""

    rs: CompiledRuleset
    in_flight: int = 0
    retired: bool = False  # no longer serving: no new evaluation can start on it
    closed: bool = False


@dataclass(eq=False)
class _Entry:
    """One watched file."""

    id: str
    path: Path
    serving: _Version | None = None
    stat_key: tuple[int, int] | None = None  # (mtime_ns, size) at the last check that read the file
    stat_trusted: bool = False  # False while the stat is too recent to rule out a same-tick rewrite
    seen: str | None = None  # content key of the last content examined (good or bad)
    error: RulesetError | None = None


@dataclass
class _Sources:
    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


class RulesetRegistry:
    """The serving version of each ruleset in a set of rule files, reloaded when a file changes.

    ``sources``: ``None`` for the bundled rulesets; otherwise a bundled id, a YAML file or a folder
    (every ``*.yaml`` in it but ``vocabulary.yaml``, rescanned on each check so new files are
    picked up), or an iterable of these. The id of a ruleset is its file name without ``.yaml``.

    ``interval``: seconds between checks of the watcher thread started by :meth:`start` (or by
    ``with``). ``on_error(id, error)`` is called once per failed edit; ``on_swap(id, old, new)``
    after each new version starts serving (``old`` is None for the first). Callbacks run on the
    thread that checked the files and may call :meth:`reload` or :meth:`close`; an exception in one
    is logged and otherwise ignored, so a faulty callback cannot stop the watching.

    Files are loaded once on construction; a file that fails then is recorded in :attr:`errors`
    and served as soon as a later check finds it fixed. The shared vocabulary is read once per
    process: a change to ``vocabulary.yaml`` needs a restart.
    """

    def __init__(
        self,
        sources: str | Path | Iterable[str | Path] | None = None,
        *,
        interval: float = 1.0,
        on_error: ErrorCallback | None = None,
        on_swap: SwapCallback | None = None,
        lang: Lang = "zh",
    ) -> None:
        if interval <= 0:
            raise ValueError(f"interval must be positive seconds, not {interval!r}")
        self.interval = interval
        self.on_error = on_error
        self.on_swap = on_swap
        self.lang: Lang = lang
        self._sources = _split_sources(sources)
        self._entries: dict[str, _Entry] = {}
        self._ignored: set[Path] = set()
        self._lock = threading.Lock()  # guards serving versions and in-flight counts; held briefly
        # One check at a time; loading may take a while. Re-entrant: callbacks run inside a check and
        # may call reload() or close().
        self._reload_lock = threading.RLock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._closed = False
        self.reload()

    # --- reading -----------------------------------------------------------------------------

    def ids(self) -> list[str]:
        """Ids with a version serving, sorted."""
        with self._lock:
            return sorted(i for i, e in self._entries.items() if e.serving is not None)

    def get(self, ruleset_id: str) -> CompiledRuleset:
        """The version serving now.

        A snapshot: the registry may close it after a later swap, and an evaluation on a closed
        ruleset rebuilds a durable network that nothing frees. To evaluate, use :meth:`evaluate`
        or :meth:`use`, which keep the version open until they are done.
        """
        with self._lock:
            return self._serving(ruleset_id).rs

    def digest(self, ruleset_id: str) -> str:
        """``sha256:…`` of the file content of the version serving now."""
        return self.get(ruleset_id).digest

    @property
    def errors(self) -> dict[str, RulesetError]:
        """The problems of each file whose current content does not validate (a copy)."""
        with self._lock:
            return {i: e.error for i, e in sorted(self._entries.items()) if e.error is not None}

    @property
    def watching(self) -> bool:
        """True while the watcher thread runs."""
        return self._thread is not None and self._thread.is_alive()

    @contextmanager
    def use(self, ruleset_id: str) -> Iterator[CompiledRuleset]:
        """Hold the serving version for the duration of the block; it is not closed before the block ends.

        >>> with RulesetRegistry(["tuquan"]) as registry, registry.use("tuquan") as rs:
        ...     rs.id
        'tuquan'
        """
        with self._lock:
            version = self._serving(ruleset_id)
            version.in_flight += 1
        try:
            yield version.rs
        finally:
            self._release(version)

    def evaluate(
        self,
        ruleset_id: str,
        facts: Facts | Mapping[str, Any] | str | bytes,
        as_of: date | None = None,
        engine: str = "durable",
    ) -> Report:
        """:func:`ecredit_rules.evaluate` on the version serving when the call starts.

        A swap during the call does not affect it; the report's ``ruleset.digest`` names the
        version that produced it.
        """
        with self.use(ruleset_id) as rs:
            return evaluate(rs, facts, as_of=as_of, engine=engine)

    def _serving(self, ruleset_id: str) -> _Version:
        """Caller holds ``_lock``."""
        if self._closed:
            raise RuntimeError("the ruleset registry is closed")
        entry = self._entries.get(ruleset_id)
        if entry is None:
            raise KeyError(f"no ruleset {ruleset_id!r} in this registry; known: {', '.join(sorted(self._entries))}")
        if entry.serving is None:
            # Never loaded: the file's own problems say more than "not found".
            assert entry.error is not None
            raise entry.error
        return entry.serving

    def _release(self, version: _Version) -> None:
        with self._lock:
            version.in_flight -= 1
            close = self._take_for_closing(version)
        if close:
            self._close_version(version)

    @staticmethod
    def _take_for_closing(version: _Version) -> bool:
        """Whether the caller (holding ``_lock``) is the one to close ``version``: exactly once, when idle."""
        if version.retired and version.in_flight == 0 and not version.closed:
            version.closed = True
            return True
        return False

    @staticmethod
    def _close_version(version: _Version) -> None:
        try:
            version.rs.close()
        except Exception:  # a failure to free must not break the evaluation that happened to end last
            log.exception("freeing ruleset %s (%s) failed", version.rs.id, version.rs.digest)

    # --- checking the files ------------------------------------------------------------------

    def reload(self) -> dict[str, Status]:
        """Check every file now; swap in what changed and validates. Returns what happened per id."""
        with self._reload_lock:
            if self._closed:
                raise RuntimeError("the ruleset registry is closed")
            self._discover()
            with self._lock:
                entries = sorted(self._entries.values(), key=lambda e: e.id)
            done: dict[str, Status] = {}
            for entry in entries:
                if self._closed:  # a callback closed the registry: load nothing more
                    break
                done[entry.id] = self._check(entry)
            return done

    def _discover(self) -> None:
        """Add entries for listed files and for rule files that appeared in watched folders."""
        paths = list(self._sources.files)
        for folder in self._sources.folders:
            if folder.is_dir():  # a folder gone for a moment (a deploy) must not stop the other files
                paths += sorted(
                    p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"} and p.name != VOCABULARY_FILE
                )
        with self._lock:
            for path in paths:
                known = self._entries.get(path.stem)
                if known is None:
                    self._entries[path.stem] = _Entry(path.stem, path)
                elif known.path != path and path not in self._ignored:
                    # One id, one file: the first found keeps it. Said once, not every interval.
                    self._ignored.add(path)
                    log.warning("ruleset %s: ignoring %s, already served from %s", path.stem, path, known.path)

    def _check(self, entry: _Entry) -> Status:
        """Look at one file; only the thread holding ``_reload_lock`` calls this."""
        now = time.time()
        try:
            st = entry.path.stat()
        except OSError:
            stat_key = None
        else:
            stat_key = (st.st_mtime_ns, st.st_size)
            if stat_key == entry.stat_key and entry.stat_trusted:
                return "unchanged"
        content = _content_key(entry.path)
        entry.stat_key = stat_key
        entry.stat_trusted = stat_key is not None and now - stat_key[0] / 1e9 > _RACY_SECONDS
        serving = entry.serving
        if serving is not None and content == serving.rs.digest:
            entry.seen = content
            if entry.error is None:
                return "unchanged"  # touched, or saved without a change
            with self._lock:
                entry.error = None
            log.info("ruleset %s: %s is back to the serving version %s", entry.id, entry.path, content)
            return "restored"
        if content == entry.seen:
            return "unchanged"  # the same broken content as last time: reported once, not every interval
        try:
            new = load_ruleset(entry.path, lang=self.lang)
        except RulesetError as err:
            entry.seen = content
            return self._failed(entry, err)
        except OSError as exc:  # unreadable between the hash and the load: same as a broken file
            entry.seen = content
            return self._failed(entry, RulesetError([Problem(f"{entry.path}:1:1", f"cannot read: {exc}")]))
        except Exception as exc:  # one file's surprise must not stop the others being served
            entry.seen = content
            log.exception("ruleset %s: loading %s raised", entry.id, entry.path)
            detail = f"{type(exc).__name__}: {exc}"[:200]
            problem = Problem(f"{entry.path}:1:1", Msg("load_crashed", detail=detail).render(self.lang))
            return self._failed(entry, RulesetError([problem]))
        # The loader read the file itself; its digest is what now serves. If the file changed in
        # between, the new stat (or the racy rule) makes the next check look again.
        entry.seen = new.digest
        if new.id != entry.id:  # the loader insists ruleset == file stem; never serve under a wrong id
            return self._failed(
                entry, RulesetError([Problem(f"{entry.path}:1:1", f"ruleset id {new.id!r} is not {entry.id!r}")])
            )
        return self._swap(entry, new)

    def _swap(self, entry: _Entry, new: CompiledRuleset) -> Status:
        version = _Version(new)
        with self._lock:
            old = entry.serving
            entry.serving = version
            entry.error = None
            close = False
            if old is not None:
                old.retired = True
                close = self._take_for_closing(old)
        if close and old is not None:
            self._close_version(old)
        if old is None:
            log.info("ruleset %s: serving %s (%s)", entry.id, entry.path, new.digest)
        else:
            log.info("ruleset %s: swapped %s for %s from %s", entry.id, old.rs.digest, new.digest, entry.path)
        self._call(self.on_swap, entry.id, old.rs if old is not None else None, new)
        return "loaded" if old is None else "swapped"

    def _failed(self, entry: _Entry, err: RulesetError) -> Status:
        with self._lock:
            entry.error = err
            serving = entry.serving
        kept = f"still serving {serving.rs.digest}" if serving is not None else "nothing to serve"
        log.error("ruleset %s: %s does not validate; %s:\n%s", entry.id, entry.path, kept, err)
        self._call(self.on_error, entry.id, err)
        return "failed"

    @staticmethod
    def _call(callback: Callable[..., None] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:
            log.exception("ruleset registry callback %r failed", callback)

    # --- the watcher thread ------------------------------------------------------------------

    def start(self) -> RulesetRegistry:
        """Start checking the files every ``interval`` seconds on a daemon thread (no-op if running)."""
        with self._lock:  # two threads calling start() at once must not start two watchers
            if self._closed:
                raise RuntimeError("the ruleset registry is closed")
            if self.watching:
                return self
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._watch, args=(self._stop,), name="ecredit-ruleset-watcher", daemon=True
            )
            self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        """Stop the watcher thread and wait for it (a check in progress finishes first)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._thread = None

    def _watch(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            try:
                self.reload()
            except Exception:  # e.g. a watched folder removed: say so, keep serving, keep watching
                log.exception("checking rule files failed")

    def close(self) -> None:
        """Stop watching and free every version once its evaluations end. The registry is then unusable."""
        self.stop()
        with self._reload_lock, self._lock:
            self._closed = True
            versions = [e.serving for e in self._entries.values() if e.serving is not None]
            to_close = []
            for version in versions:
                version.retired = True
                if self._take_for_closing(version):
                    to_close.append(version)
        for version in to_close:
            self._close_version(version)

    def __enter__(self) -> RulesetRegistry:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        with self._lock:
            served = {i: e.serving.rs.digest[:15] for i, e in self._entries.items() if e.serving is not None}
        return f"RulesetRegistry({served}, errors={sorted(self.errors)}, watching={self.watching})"


def _split_sources(sources: str | Path | Iterable[str | Path] | None) -> _Sources:
    if sources is None:
        return _Sources(files=[resolve_path(rid) for rid in available_rulesets()], folders=[])
    items: Iterable[str | Path] = [sources] if isinstance(sources, str | Path) else sources
    out = _Sources()
    for item in items:
        path = Path(item) if isinstance(item, Path) or Path(item).is_dir() else resolve_path(item)
        (out.folders if path.is_dir() else out.files).append(path)
    stems = [p.stem for p in out.files]
    duplicated = sorted({s for s in stems if stems.count(s) > 1})
    if duplicated:
        raise ValueError(f"more than one rule file for ruleset(s) {', '.join(duplicated)}")
    if not out.files and not out.folders:
        raise ValueError(f"no rule files given (the bundled ones are in {rules_dir()})")
    return out


def _content_key(path: Path) -> str:
    """The loader's digest of the file's bytes, or a marker saying why there are none."""
    try:
        if path.stat().st_size > MAX_RULE_FILE_BYTES:
            return f"too large: {path.stat().st_size} bytes"  # the loader refuses it unread; so do we
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable: {exc}"
