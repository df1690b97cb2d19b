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
    literal_lines: dict[str, int]  # for a '|' block value: the line its text starts on

    def text_line(self, key: str, line_in_text: int) -> int:
        """The source line of a value's Nth text line (1-based): inside a '|' block, else the key's line."""
        start = getattr(self, "literal_lines", {}).get(key)
        return start + line_in_text - 1 if start else self.line_of(key)

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
    result.literal_lines = {}
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
        if isinstance(value_node, yaml.ScalarNode) and value_node.style == "|":
            result.literal_lines[key] = value_node.start_mark.line + 2
    return result


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    """Build a LineList with the line of every item."""
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    for child in node.value:
        if isinstance(child, yaml.ScalarNode) and not child.style and child.end_mark.line > child.start_mark.line:
            loader.merged.append((child.start_mark.line + 2, str(child.value)))
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
    return load_yaml_noting(path, root)[0]


def load_yaml_noting(path: Path, root: Path | None = None) -> tuple[Any, list[ContentError]]:
    """Parse one YAML file, with warnings for list items that silently ran over several lines."""
    shown = display_path(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ContentInvalid([ContentError(shown, 1, f"not UTF-8 text ({exc.reason})")]) from exc
    except OSError as exc:
        raise ContentInvalid([ContentError(shown, 0, f"cannot read: {exc.strerror}")]) from exc
    loader = _LineLoader(text)
    loader.merged = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        line, message = syntax_problem(exc, text)
        raise ContentInvalid([ContentError(shown, line, message)]) from exc
    except yaml.YAMLError as exc:
        raise ContentInvalid(
            [ContentError(shown, 1, "this file cannot be read as YAML: check its indentation, quotes and colons")]
        ) from exc
    finally:
        loader.dispose()
    warnings = [
        ContentError(
            shown,
            line,
            f"warning: line {line} is read as part of the item above it "
            f"('{_short(value)}'): if it is a new item, start it with '- ' at the "
            "same indent as the others",
        )
        for line, value in loader.merged
    ]
    return data, warnings


def _short(value: str, limit: int = 60) -> str:
    """A value cut to fit in a message."""
    return value if len(value) <= limit else value[: limit - 3] + "..."


def _indent(line: str) -> int:
    """How many spaces a source line starts with."""
    return len(line) - len(line.lstrip(" "))


def _line_above(lines: list[str], index: int) -> str | None:
    """The nearest non-blank, non-comment line above lines[index]."""
    for above in reversed(lines[:index]):
        if above.strip() and not above.lstrip().startswith("#"):
            return above
    return None


_LIST_HINT = "each example starts with '- ' at the same indent"
_KEY_HINT = "each key starts at the same indent as the keys around it"


def syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """Turn a YAML parser error into one plain-language problem at the line that holds the mistake."""
    lines = text.splitlines()
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    context_line = exc.context_mark.line + 1 if exc.context_mark else line
    for number, source in enumerate(lines[:line], 1):
        if "\t" in source[: len(source) - len(source.lstrip())]:
            return number, f"line {number} is indented with a tab: use spaces"
    problem, context = exc.problem or "", exc.context or ""
    if problem.startswith("duplicate key"):
        return line, problem.replace("duplicate key", "key", 1).replace("(first", "is written twice (first")
    unclosed = _unclosed(context, context_line)
    if unclosed:
        return context_line, unclosed
    runaway = _runaway_quote(text, lines, line)
    if runaway is not None:
        opened, closed = runaway
        return opened, (
            f"line {opened} opens a quote that is not closed on that line, so the text runs on to line {closed}: "
            f"end the text on line {opened} with the same quote mark"
        )
    if "could not find expected ':'" in problem:
        return context_line, _missing_colon(_source(lines, context_line), context_line)
    return line, _misplaced(problem, context, lines, line)


def _source(lines: list[str], line: int) -> str:
    """The text of a 1-based source line, or '' past the end."""
    return lines[line - 1] if 0 < line <= len(lines) else ""


_STARTS_ENTRY = re.compile(r"\s*(?:- |[A-Za-z_][\w-]*:(?:\s|$))")  # a line that reads as a new item or key


def _runaway_quote(text: str, lines: list[str], line: int) -> tuple[int, int] | None:
    """The lines a quoted text opened and closed on, when it swallowed whole lines up to the error's line.

    A quote left open on one line is closed by the next quote mark of its kind, often an apostrophe or
    another text's opening quote many lines below, where the parser then stumbles. `lines`: the
    text's lines, already split.
    """
    found = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):  # the pure-Python scanner: it keeps each style
            if token.start_mark.line + 1 > line:
                break
            if isinstance(token, yaml.ScalarToken) and token.style in ('"', "'"):
                found = token.start_mark.line + 1, token.end_mark.line + 1
    except yaml.YAMLError:
        pass  # the scan stops at the same mistake; the tokens before it are what we need
    if found is None or found[1] != line or found[0] == line:
        return None
    swallowed = lines[found[0] : found[1]]  # the lines after the opening one, the closing one too
    return found if any(_STARTS_ENTRY.match(source) for source in swallowed) else None


def _unclosed(context: str, line: int) -> str | None:
    """Say which quote or bracket opened on a line is never closed, if that is the error."""
    if "quoted scalar" in context:
        return f"line {line} opens a quote that is never closed: end the text with the same quote mark"
    for opener, closer, kind in (("[", "]", "sequence"), ("{", "}", "mapping")):
        if f"flow {kind}" in context:
            return f"line {line} opens a '{opener}' that is never closed with '{closer}'"
    return None


def _missing_colon(source: str, line: int) -> str:
    """A line that is neither 'key: value' nor '- item': a missing ': ' or a missing space after '-'."""
    written = source.lstrip()
    if written.startswith("-") and written[1:2] not in (" ", "-", ""):
        return f"put a space after '-' on line {line}: {_LIST_HINT}"
    return f"line {line} needs ': ' after its key (like 'response: causes')"


def _misplaced(problem: str, context: str, lines: list[str], line: int) -> str:
    """Explain a line the parser did not expect: over- or under-indented, a stray colon or quote."""
    source = _source(lines, line)
    above = _line_above(lines, line - 1)
    hint = _LIST_HINT if source.lstrip().startswith("- ") else _KEY_HINT
    shift = 0 if above is None else _indent(source) - _indent(above)
    if "mapping values are not allowed" in problem:
        if shift > 0:
            return f"line {line} is indented more than the one above: {hint}"
        key = re.match(r"\s*(?:- )?([A-Za-z_]+):\s", source)
        what = f"the text after '{key.group(1)}:'" if key else "the example"
        return f"put {what} in quotes: a ': ' inside it reads as 'name: value'"
    if "expected '-' indicator" in problem or (
        "expected key" in problem and "while parsing a block" in context and source.lstrip()[:1] in ('"', "'")
    ):
        return (
            "the text's closing quote comes before its end: put the whole text in double quotes "
            "(\"it's sore\"), or write '' for an apostrophe inside single quotes"
        )
    if "expected key" in problem and shift:
        return f"line {line} is indented {'less' if shift < 0 else 'more'} than the one above: {hint}"
    return f"line {line} cannot be read as YAML: check its indentation, quotes and colons"


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
        self.failed: set[Path] = set()  # files that could not be read, or hold no mapping where one belongs
        # Names answers may use as {placeholders}; the snippets' names are added once they are read.
        self.placeholders: frozenset[str] = BUILTIN_PLACEHOLDERS
        self.placeholders_unknown = False  # True when the snippets file could not be read

    def error(self, path: Path | str, line: int, message: str) -> None:
        """Record a problem that stops the content loading."""
        self.errors.append(ContentError(self._shown(path), line, message))

    def warn(self, path: Path | str, line: int, message: str) -> None:
        """Record something worth a look that does not stop loading."""
        self.warnings.append(ContentError(self._shown(path), line, f"warning: {message}"))

    def load(self, path: Path) -> Any:
        """Load one file, keeping its syntax errors with the rest (FAILED when it could not be read)."""
        try:
            data, warnings = load_yaml_noting(path, self.root)
        except ContentInvalid as exc:
            self.errors.extend(exc.errors)
            self.failed.add(path.resolve())
            return FAILED
        self.warnings.extend(warnings)
        return data

    def load_mapping(self, path: Path, expected: str) -> LineDict | None:
        """Load a file that must hold a mapping; None (its problem reported) when unreadable or not one.

        `expected` finishes the sentence "expected ...", e.g. "a mapping of matching settings".
        """
        data = self.load(path)
        if data is FAILED:
            return None
        if not isinstance(data, LineDict):
            empty = "the file is empty: " if data is None else ""
            self.error(path, getattr(data, "line", 1), f"{empty}expected {expected}")
            self.failed.add(path.resolve())  # unreadable as what it should be: nothing that follows is reported
            return None
        return data

    def unreadable(self, path: Path) -> bool:
        """True when this file (.yaml or .yml) could not be read, so what follows from it is not reported."""
        return any(path.with_suffix(suffix).resolve() in self.failed for suffix in (".yaml", ".yml"))

    def unknown_placeholders(self, text: str, also: frozenset[str] = frozenset()) -> list[str]:
        """The {names} in a text that nothing would fill, in order of first use."""
        if self.placeholders_unknown:
            return []
        known = self.placeholders | also
        return list(dict.fromkeys(name for name in PLACEHOLDER.findall(text) if name not in known))

    def _shown(self, path: Path | str) -> str:
        return display_path(path, self.root) if isinstance(path, Path) else path
