"""Finding, loading and applying the recording JSON Schema.

Two engines, one schema: the compiled ``jsonschema_rs`` decides pass/fail (fast,
every file), the pure-Python ``jsonschema`` explains failures (best-matching branch
of an ``anyOf``, most relevant error first) and only runs on files that fail. It is
imported only then: a run over valid files does not pay for importing it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from recstack.loading import json_kind
from recstack.locate import pointer_from
from recstack.problems import Problem, RecstackError
from recstack.render.common import plural
from recstack.render.jsontext import short_json
from recstack.schemarefs import RefPolicy, with_base_uri
from recstack.snapshot import read_snapshot

if TYPE_CHECKING:
    import referencing
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

SCHEMA_NAME = "recording.schema.json"
# The most findings reported per file: past that, a file is simply wrong.
MAX_ERRORS = 20


def packaged_schema_path() -> Path:
    """The copy force-included in the wheel as ``recstack/schemas/``."""
    return Path(__file__).resolve().parent / "schemas" / SCHEMA_NAME


def source_schema_path() -> Path:
    """``<repo>/schemas/`` in an editable install or a source checkout."""
    return Path(__file__).resolve().parents[2] / "schemas" / SCHEMA_NAME


def default_schema_path() -> Path:
    """The packaged schema when installed from a wheel, else the repository's."""
    packaged = packaged_schema_path()
    return packaged if packaged.is_file() else source_schema_path()


@dataclass(frozen=True)
class SchemaError:
    """One schema violation: where (JSON Pointer) and what."""

    pointer: str
    message: str


@dataclass
class Schema:
    """A loaded schema with its fast checker; the explaining validator is built lazily."""

    path: Path
    document: dict[str, Any]
    fast: Any = field(repr=False)
    refs: RefPolicy | None = field(default=None, repr=False)
    _explainer: Any = field(default=None, repr=False)

    def is_valid(self, data: Any) -> bool:
        """Pass/fail with the compiled engine (the explaining one for a string holding a
        lone surrogate, which the compiled engine cannot take)."""
        try:
            return bool(self.fast.is_valid(data))
        except UnicodeEncodeError:
            return next(iter(self.explainer.iter_errors(data)), None) is None

    @property
    def explainer(self) -> Validator:
        """The pure-Python validator (built on first use)."""
        if self._explainer is None:
            import jsonschema

            cls = jsonschema.validators.validator_for(self.document)
            registry = _crawled_registry(self.document, self.refs or RefPolicy(self.path))
            self._explainer = cls(self.document, registry=registry)
        return self._explainer

    def errors(self, data: Any, *, limit: int = MAX_ERRORS) -> list[SchemaError]:
        """Every violation, most relevant first; anyOf/oneOf reduced to their best branch."""
        from jsonschema.exceptions import best_match, relevance

        found: list[SchemaError] = []
        seen: set[str] = set()
        try:
            explained = sorted(self.explainer.iter_errors(data), key=relevance)
        except Exception:  # e.g. an ECMA-262 regex (\p{L}) that Python's re rejects
            return self._fast_errors(data)[:limit]
        for error in explained:
            best = best_match([error]) or error
            item = SchemaError(pointer_from(best.absolute_path), describe(best))
            # One finding per value: a second failing keyword there says the same thing again.
            if item.pointer not in seen:
                seen.add(item.pointer)
                found.append(item)
        if not found and not self.is_valid(data):
            found = self._fast_errors(data)
        return found[:limit]

    def _fast_errors(self, data: Any) -> list[SchemaError]:
        """Messages from the compiled engine (only if the two engines ever disagree)."""
        try:
            return [
                SchemaError(pointer_from(e.instance_path), e.message)
                for e in self.fast.iter_errors(data)
            ]
        except UnicodeEncodeError:  # a lone surrogate: the compiled engine cannot read it
            return [SchemaError("", "the schema cannot be checked: a string is not valid Unicode")]


def _crawled_registry(document: dict[str, Any], refs: RefPolicy) -> referencing.Registry:
    """A registry that already knows every embedded ``$id`` and the files the compiled
    engine referenced, and retrieves anything else under the same policy.

    Without the crawl ``jsonschema`` crawls the whole schema again on many ``$ref``
    lookups (five times slower on the recording schema, whose definitions each have
    an ``$id``).
    """
    import referencing
    import referencing.jsonschema

    # ``retrieve`` is the documented keyword (an attrs alias mypy does not see).
    registry: referencing.Registry[Any] = referencing.Registry(retrieve=refs.resource)  # type: ignore[call-arg]
    for known in refs.documents:
        registry = registry.with_resource(known, refs.resource(known))
    uri = document.get("$id")
    if not isinstance(uri, str):
        return registry
    resource = referencing.Resource.from_contents(
        document, default_specification=referencing.jsonschema.DRAFT202012
    )
    return registry.with_resource(uri, resource).crawl()


@lru_cache(maxsize=8)
def load_schema(path: Path | str | None = None) -> Schema:
    """Load and compile a schema (default: the recording schema), once per argument.

    Raises RecstackError (rule ``schema-file``) for a schema that cannot be read,
    is not JSON, or is not a valid JSON Schema.
    """
    path = Path(path).resolve() if path else default_schema_path()

    def fail(message: str) -> RecstackError:
        return RecstackError(Problem(str(path), message, rule="schema-file"))

    try:
        text = read_snapshot(path).raw.decode("utf-8")  # a FIFO or device: refused
    except FileNotFoundError:
        raise fail("schema not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read schema: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"schema is not valid JSON: {exc.msg} at {exc.lineno}:{exc.colno}") from None
    except RecursionError:
        raise fail("schema is not valid JSON: nested too deeply") from None
    if not isinstance(document, dict):
        raise fail("schema is not a JSON object")
    document = with_base_uri(document, path)
    refs = RefPolicy(path)
    try:
        # Compiling also checks the schema against its metaschema, and follows every
        # $ref outside the document through ``refs`` (never the network).
        fast = jsonschema_rs.validator_for(document, retriever=refs)
    except jsonschema_rs.ValidationError as exc:
        if refs.refused:
            raise fail(refs.refused) from None
        where = pointer_from(exc.instance_path)
        raise fail(f"not a valid JSON Schema: {where or '/'}: {exc.message}") from None
    except (ValueError, jsonschema_rs.ReferencingError) as exc:
        if refs.refused:
            raise fail(refs.refused) from None
        raise fail(f"schema cannot be compiled: {str(exc).splitlines()[0]}") from None
    return Schema(path, document, fast, refs)


# --- messages -----------------------------------------------------------------


def short(value: Any, width: int = 60) -> str:
    """A value as short JSON, for messages."""
    if isinstance(value, dict):
        return "an object" if value else "{}"
    if isinstance(value, list):
        return "an array" if value else "[]"
    return short_json(value, width)


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(names)


def describe(error: ValidationError) -> str:
    """A one-line message in JSON terms (null, not None; short values)."""
    v, value, instance = error.validator, error.validator_value, error.instance
    if v == "type":
        got = json_kind(instance)
        if isinstance(instance, (dict, list)) or instance is None:
            return f"expected {_expected(value)}, got {got}"
        return f"expected {_expected(value)}, got {got} {short(instance)}"
    if v == "required":
        missing = [k for k in value if isinstance(instance, dict) and k not in instance] or value
        keys = ", ".join(short(k) for k in missing)
        return f"missing required key{'s' if len(missing) > 1 else ''} {keys}"
    if v == "additionalProperties" and isinstance(instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        return f"unexpected key {short(extra[0]) if extra else ''}".rstrip()
    if v == "pattern":
        return f"{short(instance)} does not match {value!r}"
    if v in ("const", "enum"):
        options = [value] if v == "const" else value
        return f"{short(instance)} is not one of {', '.join(short(o) for o in options)}"
    if v in ("minimum", "maximum"):
        word = "less than the minimum" if v == "minimum" else "more than the maximum"
        return f"{short(instance)} is {word} {value}"
    if v == "minLength":
        return f"{short(instance)} is shorter than {plural(value, 'character')}"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "…"
