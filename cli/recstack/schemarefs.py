"""Where the ``$ref`` of a schema may lead: files in the schema's own folder, nothing else.

Both schema engines would otherwise fetch ``http(s)`` references over the network and
read ``file:`` references anywhere on the disk. A :class:`RefPolicy` is the one
retriever given to both (``jsonschema_rs``'s ``retriever``, the ``retrieve`` of the
``referencing`` registry of ``jsonschema``): it never opens a connection, reads a
``file:`` URI only when the file, symbolic links followed, lies inside the folder of
the schema given with ``--schema``, and remembers why it refused anything, so that
the caller can say it in one line. Relative references resolve against the schema
file's own ``file:`` URI (see :func:`with_base_uri`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from recstack.snapshot import read_snapshot

if TYPE_CHECKING:
    import referencing


class RefRefused(ValueError):
    """A ``$ref`` the policy does not follow (the message says why)."""


def with_base_uri(document: dict[str, Any], path: Path) -> dict[str, Any]:
    """``document`` with the schema file's ``file:`` URI as its ``$id`` when it has none,
    so that relative references name files next to it (both engines, every version)."""
    if "$id" in document:
        return document
    return {"$id": path.resolve().as_uri(), **document}


class RefPolicy:
    """The retriever of one schema file: its folder's files only, each read once."""

    def __init__(self, schema_path: Path) -> None:
        self.root = schema_path.resolve().parent
        self.documents: dict[str, Any] = {}
        self.refused: str | None = None  # the first refusal, for the error message

    def __call__(self, uri: str) -> Any:
        """The document at ``uri`` (``jsonschema_rs``'s retriever); RefRefused otherwise."""
        try:
            return self._load(uri.split("#", 1)[0])
        except RefRefused as exc:
            self.refused = self.refused or str(exc)
            raise

    def resource(self, uri: str) -> referencing.Resource[Any]:
        """The ``retrieve`` of a ``referencing.Registry``: the same documents, the same
        refusals (as ``NoSuchResource``)."""
        import referencing
        import referencing.exceptions
        import referencing.jsonschema

        try:
            contents = self(uri)
        except RefRefused:
            raise referencing.exceptions.NoSuchResource(ref=uri) from None  # type: ignore[call-arg]
        return referencing.Resource.from_contents(
            contents, default_specification=referencing.jsonschema.DRAFT202012
        )

    def _load(self, uri: str) -> Any:
        if uri in self.documents:
            return self.documents[uri]
        parts = urlsplit(uri)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefRefused(
                f"$ref {uri!r}: recstack never fetches a schema over the network "
                f"(only files in {self.root} can be referenced)"
            )
        from urllib.request import url2pathname  # here: it imports http and ssl

        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self.root):
            raise RefRefused(f"$ref {uri!r}: outside the schema's folder {self.root}")
        try:
            document = json.loads(read_snapshot(path).raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise RefRefused(f"$ref {uri!r}: cannot read {path}: {reason}") from None
        except (ValueError, RecursionError) as exc:
            raise RefRefused(f"$ref {uri!r}: {path} is not valid JSON: {exc}") from None
        if not isinstance(document, (dict, bool)):
            raise RefRefused(f"$ref {uri!r}: {path} is not a schema (an object or a boolean)")
        self.documents[uri] = document
        return document
