"""Load clinician-edited YAML so every value remembers the file and line it came from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in the content, pointing at the file and line to fix."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ContentInvalid(Exception):
    """Raised with every problem found, so an editor can fix them all in one go."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


class LineDict(dict[str, Any]):
    """A mapping that knows the line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        """Return the line a key was written on, or the mapping's own line."""
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        """Return the line an item was written on."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


# libyaml's C parser reads the content about ten times faster and still marks every node's line;
# the pure-Python parser is the fallback where PyYAML was built without it.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that records lines; a subclass so the global loader is never touched."""

    # YAML 1.1 reads on/off/yes/no as booleans, so a word list with "on" or "no" in it would
    # silently change; like YAML 1.2, only true/false are booleans here.
    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_LineLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    """Build a LineDict, refusing duplicate keys (YAML would silently keep the last)."""
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        line = key_node.start_mark.line + 1
        if key in result:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f'duplicate key "{key}" (first on line {result.key_lines[key]})',
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    """Build a LineList with the line of every item."""
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def display_path(path: Path, root: Path | None = None) -> str:
    """Show a path relative to the content root when possible, as editors see it."""
    if root is not None:
        try:
            return str(path.relative_to(root))
        except ValueError:
            pass
    return str(path)


def load_yaml(path: Path, root: Path | None = None) -> Any:
    """Parse one YAML file; a syntax error becomes ContentInvalid with its line."""
    shown = display_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentInvalid([ContentError(shown, 1, f"not UTF-8 text ({exc.reason})")]) from exc
    except OSError as exc:
        raise ContentInvalid([ContentError(shown, 0, f"cannot read: {exc.strerror}")]) from exc
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ContentInvalid([ContentError(shown, line, f"YAML syntax: {problem}")]) from exc
    except yaml.YAMLError as exc:
        raise ContentInvalid([ContentError(shown, 1, f"YAML syntax: {exc}")]) from exc


FAILED = object()  # what Problems.load returns for a file whose problems are already reported
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")  # {contact}, {disclaimer}, {emergency_number} in content text
# Filled from the settings, not from _snippets.yaml.
BUILTIN_PLACEHOLDERS = frozenset({"emergency_number", "retention_days", "crisis_line"})


class Problems:
    """Gathers every problem of a content folder so they are reported together, each with its line."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[ContentError] = []
        self.warnings: list[ContentError] = []
        # Names answers may use as {placeholders}; the snippets' names are added once they are read.
        self.placeholders: frozenset[str] = BUILTIN_PLACEHOLDERS

    def error(self, path: Path | str, line: int, message: str) -> None:
        """Record a problem that stops the content loading."""
        self.errors.append(ContentError(self._shown(path), line, message))

    def warn(self, path: Path | str, line: int, message: str) -> None:
        """Record something worth a look that does not stop loading."""
        self.warnings.append(ContentError(self._shown(path), line, f"warning: {message}"))

    def load(self, path: Path) -> Any:
        """Load one file, keeping its syntax errors with the rest (FAILED when it could not be read)."""
        try:
            return load_yaml(path, self.root)
        except ContentInvalid as exc:
            self.errors.extend(exc.errors)
            return FAILED

    def unknown_placeholders(self, text: str, also: frozenset[str] = frozenset()) -> list[str]:
        """The {names} in a text that nothing would fill, in order of first use."""
        known = self.placeholders | also
        return list(dict.fromkeys(name for name in PLACEHOLDER.findall(text) if name not in known))

    def _shown(self, path: Path | str) -> str:
        return display_path(path, self.root) if isinstance(path, Path) else path
