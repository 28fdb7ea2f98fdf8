"""Would llama-stack replay find this recording? The name and the directory it must have.

Replay opens ``<dir>/<name>`` for a live request, ``name`` being the request's hash
(:mod:`recstack.replay_rules`) and ``dir`` the test file's ``recordings/`` directory,
then the fallback directory (``docs/format.md#how-replay-finds-a-recording``). A
file named otherwise is never read. :func:`check` compares a recording's path with
what replay looks for and, when the name differs, names the known cause.

Pure and fast: the common case is one normalization, one serialization and one
sha256 of the request body; the variants behind the known causes are computed only
for a name that does not match, and each hashes only the few bytes after the body
when its rules give the same body (:func:`recstack.replay_rules.build_key`). The
directories replay searches are computed once per test file, and a folder is
compared with them once.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePath, PurePosixPath

from recstack.recording import Recording
from recstack.replay_rules import (
    KeyKind,
    RecordingName,
    ReplayKey,
    Rules,
    StoredRequest,
    Unkeyable,
    UnkeyableCause,
    build_key,
    looks_like_recording_name,
    parse_name,
    stored_request,
)
from recstack.textenum import TextEnum

__all__ = [
    "DEFAULT_FALLBACK_DIR",
    "KNOWN_TEST_ID_RENAMES",
    "KeyKind",
    "ReplayCause",
    "ReplayKey",
    "ReplayStatus",
    "ReplayVerdict",
    "check",
    "expected_dirs",
    "looks_like_recording_name",
    "replay_key",
    "sits_in",
]

DEFAULT_FALLBACK_DIR = "tests/integration/common/recordings"

# Renames made inside recorded test ids after the files were named: (spelling in
# the file now, spelling the name was computed with).
KNOWN_TEST_ID_RENAMES: tuple[tuple[str, str], ...] = (("ogx_client", "llama_stack_client"),)


class ReplayStatus(TextEnum):
    OK = "ok"  # replay finds the file
    STALE = "stale"  # replay never opens it (wrong name or wrong directory)
    UNKNOWN = "unknown"  # no replay rule applies, or a value has the wrong type


class ReplayCause(TextEnum):
    """Why the verdict is what it is (None on a plain ``ok``)."""

    # stale: the name is explained by an earlier rule
    BEFORE_FILE_SEARCH = "before-file-search"  # the four file_search string rules not applied
    TEST_ID_RENAMED = "test-id-renamed"  # the test id was renamed inside the file
    RAW_BODY = "raw-body"  # hashed from the body before any normalization
    OLDEST_LAYOUT = "oldest-layout"  # 12-hex name, key without a test id
    # stale: not explained
    MISSING_TEST_ID = "missing-test-id"  # no test id in the file, but the key needs one
    EDITED = "edited"  # matches no known rule (edited after recording)
    NOT_A_HASH_NAME = "not-a-hash-name"  # a name upstream never gives a recording
    WRONG_DIRECTORY = "wrong-directory"  # right name, but not where replay looks
    # ok, with a note
    MODEL_IDS_CHANGED = "model-ids-changed"  # digest differs; replay globs models-<hash>-*
    # unknown
    NOT_REPLAYED = "not-replayed"
    UNKNOWN_SHAPE = "unknown-shape"
    BAD_VALUE = "bad-value"


_UNKEYABLE = {
    UnkeyableCause.NOT_REPLAYED: ReplayCause.NOT_REPLAYED,
    UnkeyableCause.UNKNOWN_SHAPE: ReplayCause.UNKNOWN_SHAPE,
    UnkeyableCause.BAD_VALUE: ReplayCause.BAD_VALUE,
}


@dataclass(frozen=True)
class ReplayVerdict:
    """What replay makes of one recording file."""

    status: ReplayStatus
    cause: ReplayCause | None = None
    reason: str | None = None  # short, human
    kind: KeyKind | None = None
    expected_name: str | None = None  # the name replay opens (None when unknown)
    expected_dirs: tuple[str, ...] = ()  # where replay looks, relative to the repository root
    keyed_test_id: bool = False  # the key holds the test id (null outside any test)


def replay_key(recording: Recording) -> ReplayKey | None:
    """The key replay computes for this recording today, or None when no rule applies."""
    try:
        return build_key(stored_request(recording.data))
    except (Unkeyable, ValueError, TypeError, RecursionError):
        return None


@lru_cache(maxsize=4096)  # one test file's recordings, many tests of one file
def expected_dirs(test_id: str | None, fallback_dir: str = DEFAULT_FALLBACK_DIR) -> tuple[str, ...]:
    """Where replay looks: the test file's ``recordings/`` (with a test id), then the fallback."""
    fallback = posixpath.normpath(fallback_dir)
    if not test_id:
        return (fallback,)
    test_file = test_id.split("::", 1)[0]
    own = str(PurePosixPath(test_file).parent / "recordings")
    return (own,) if own == fallback else (own, fallback)


def check(
    path: str | os.PathLike[str],
    recording: Recording,
    *,
    fallback_dir: str = DEFAULT_FALLBACK_DIR,
) -> ReplayVerdict:
    """Would replay open ``path`` for ``recording``'s request? Never raises."""
    try:
        stored = stored_request(recording.data)
        current = build_key(stored)
        return _verdict(path, stored, current, fallback_dir)
    except Unkeyable as exc:
        return ReplayVerdict(ReplayStatus.UNKNOWN, _UNKEYABLE[exc.cause], exc.reason)
    except (ValueError, TypeError, RecursionError) as exc:
        reason = f"cannot compute the request key ({type(exc).__name__})"
        return ReplayVerdict(ReplayStatus.UNKNOWN, ReplayCause.BAD_VALUE, reason)


def _verdict(
    path: str | os.PathLike[str], stored: StoredRequest, current: ReplayKey, fallback_dir: str
) -> ReplayVerdict:
    dir_test_id = stored.test_id or _request_test_id(stored)
    dirs = expected_dirs(dir_test_id, fallback_dir)

    def verdict(
        status: ReplayStatus, cause: ReplayCause | None, reason: str | None
    ) -> ReplayVerdict:
        keyed = "test_id" in current.key
        return ReplayVerdict(status, cause, reason, current.kind, current.name, dirs, keyed)

    name = os.path.basename(os.fspath(path))
    parsed = parse_name(name)
    looks_for = f"replay looks for {current.name}"
    if parsed is None:
        return verdict(
            ReplayStatus.STALE, ReplayCause.NOT_A_HASH_NAME, f"not a request-hash name; {looks_for}"
        )
    if not parsed.short and _same(parsed, current):
        if dir_test_id and not _in_dirs(path, dirs):
            where = " or ".join(dirs)
            return verdict(
                ReplayStatus.STALE, ReplayCause.WRONG_DIRECTORY, f"replay looks in {where}"
            )
        if parsed.digest != current.digest:
            return verdict(
                ReplayStatus.OK,
                ReplayCause.MODEL_IDS_CHANGED,
                f"the model ids give digest {current.digest}, not {parsed.digest}; replay "
                f"still reads it (it opens every models-{current.hash}-*.json)",
            )
        return verdict(ReplayStatus.OK, None, None)
    cause, reason = _explain(parsed, stored, current)
    return verdict(ReplayStatus.STALE, cause, f"{reason}; {looks_for}")


def _request_test_id(stored: StoredRequest) -> str | None:
    value = stored.request.get("test_id")
    return value if isinstance(value, str) and value else None


def _same(parsed: RecordingName, key: ReplayKey) -> bool:
    """The name's hash (whole or 12-hex) and form (model list or not) are the key's."""
    if parsed.is_model_list != (key.kind is KeyKind.MODELS):
        return False
    return key.hash.startswith(parsed.hash) if parsed.short else key.hash == parsed.hash


def _explain(
    parsed: RecordingName, stored: StoredRequest, current: ReplayKey
) -> tuple[ReplayCause, str]:
    """The known cause of a name that is not the current key's, first match wins."""
    tried = set() if parsed.short else {current.hash}  # a 12-hex name never matched yet
    for cause, reason, key in _variants(parsed, stored):
        if key.hash in tried:
            continue
        tried.add(key.hash)
        if _same(parsed, key):
            return cause, reason
    if parsed.short:
        return ReplayCause.EDITED, "12-hex name that no known rule gives (edited after recording?)"
    if stored.key_has_test_id and stored.test_id is None:
        what = "no test id" if not stored.test_id_recorded else "a null test id"
        return (
            ReplayCause.MISSING_TEST_ID,
            f"the file has {what}, but a {stored.endpoint} key includes one: the name "
            "was made with a test id the file does not keep",
        )
    return ReplayCause.EDITED, "the name matches no known rule (edited after recording?)"


def _variants(
    parsed: RecordingName, stored: StoredRequest
) -> Iterator[tuple[ReplayCause, str, ReplayKey]]:
    """Earlier ways of naming this request, in order, computed lazily."""
    if parsed.short:
        reason = "oldest layout (12-hex name, key without a test id)"
        for rules in (Rules.CURRENT, Rules.RAW):
            key = build_key(stored, rules=rules, with_test_id=False, short=True)
            yield ReplayCause.OLDEST_LAYOUT, reason, key
        return
    if stored.kind is KeyKind.TOOL:
        return  # no normalization, no test id: nothing earlier to try
    yield (
        ReplayCause.BEFORE_FILE_SEARCH,
        "named before the file_search string rules (score, attributes, document_id, citation)",
        build_key(stored, rules=Rules.BEFORE_FILE_SEARCH),
    )
    test_id = stored.test_id
    if stored.key_has_test_id and test_id:
        for now, before in KNOWN_TEST_ID_RENAMES:
            if now in test_id:
                earlier = test_id.replace(now, before)
                reason = f"named under the earlier test id spelling {before!r} (now {now!r})"
                for rules in (Rules.CURRENT, Rules.BEFORE_FILE_SEARCH):
                    key = build_key(stored, rules=rules, test_id=earlier)
                    yield ReplayCause.TEST_ID_RENAMED, reason, key
    yield (
        ReplayCause.RAW_BODY,
        "named from the raw body (before the string rules)",
        build_key(stored, rules=Rules.RAW),
    )


def _in_dirs(path: str | os.PathLike[str], dirs: tuple[str, ...]) -> bool:
    """Whether the file's directory is one of ``dirs`` (compared by its tail)."""
    return _folder_in_dirs(os.path.dirname(os.path.abspath(path)), dirs)


def _folder_in_dirs(folder: str, dirs: tuple[str, ...]) -> bool:
    parts = _parts(folder)
    for directory in dirs:
        wanted = _tail(directory)
        if wanted is None:
            if PurePath(folder) == PurePath(os.path.abspath(directory)):
                return True
        elif parts[-len(wanted) :] == wanted:
            return True
    return False


@lru_cache(maxsize=4096)  # the files of one folder
def _parts(folder: str) -> tuple[str, ...]:
    return PurePath(folder).parts


@lru_cache(maxsize=1024)  # the folders replay searches: a few
def _tail(directory: str) -> tuple[str, ...] | None:
    """The parts a folder's path ends with when it is ``directory``; None for an absolute
    or empty one (compared whole)."""
    wanted = PurePosixPath(directory)
    return None if wanted.is_absolute() or not wanted.parts else wanted.parts


def sits_in(path: str | os.PathLike[str], dirs: tuple[str, ...]) -> bool:
    """Whether the file ``path`` is in one of ``dirs`` (relative ones compared by their
    tail, as :func:`check` does, so no repository root is needed)."""
    return _in_dirs(path, dirs)
