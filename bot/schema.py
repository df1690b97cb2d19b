"""The one declarative schema of the content files, and the one reader that checks YAML against it.

Each content kind describes its shape once, next to its typed model, as a `Shape` of `Field`s
(a name, a kind of value, whether it is required, and a plain-words description). `read` walks a
loaded `LineDict` against a kind and reports every problem through the content's `Problems` bag as
`path:line: message`, at the line of the offending key or item:

- an unknown key: "unknown key 'x' (expected one of: a, b, c)" at the key's line;
- a missing key: "'x' is missing (what it holds)" at the line of the mapping (or its parent key);
- a wrong value: "'x' must be <what the kind accepts>" at the key's (or item's) line.

What a schema cannot say (cross references, placeholders that name other files, examples that must
fire) stays in small checks each loader runs after this pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.htmlcheck import html_problem_lines
from bot.yamlsource import LineDict, LineList, Problems


class Kind:
    """What a value must be; `describe` finishes the sentence "'key' must be ..."."""

    describe = "a value"

    def read(self, at: Place, value: Any) -> Any:
        """Check one value; return what the model keeps, or INVALID after reporting why."""
        raise NotImplementedError


INVALID: Any = object()  # what a kind returns for a value it has reported
# Plain texts Telegram shows outside a message, with its limits, and how short a button label stays.
MENU_LIMIT = 256  # a command's description in the menu: setMyCommands refuses a longer one
ALERT_LIMIT = 200  # a callback answer, the pop-up or toast after a button press: Telegram refuses longer
LABEL_LIMIT = 32  # a button label: phones cut a longer one short


@dataclass(frozen=True)
class Place:
    """Where a value sits, so every problem names it and its line."""

    bag: Problems
    path: Path
    subject: str  # how messages name the value: 'threshold', rule 'pop', 'examples' item 2
    line: int
    where: str = ""  # prefix naming the record the value is in: "question 3: "
    container: LineDict | None = None  # the mapping holding the value, for lines inside a '|' text
    key: str = ""

    def error(self, message: str, line: int | None = None) -> None:
        """Report a problem at this value's line (or a line inside it)."""
        self.bag.error(self.path, self.line if line is None else line, f"{self.where}{message}")

    def wrong(self, kind: Kind) -> Any:
        """Report that the value is not what its kind accepts."""
        self.error(f"{self.subject} must be {kind.describe}")
        return INVALID

    def text_line(self, line_in_text: int) -> int:
        """The source line of the value's Nth text line, inside a '|' block where there is one."""
        return self.container.text_line(self.key, line_in_text) if self.container is not None else self.line

    @property
    def name(self) -> str:
        """The bare name used before HTML and placeholder problems: 'text: <b> is never closed'."""
        return self.key or self.subject


@dataclass(frozen=True)
class Text(Kind):
    """Non-empty text, stripped; optionally Telegram HTML, plain, short, with only known {placeholders}."""

    html: bool = False  # check the tags Telegram would refuse
    plain: bool = False  # shown without formatting: no tags at all
    limit: int = 0  # most characters allowed (0: no limit)
    placeholders: frozenset[str] | None = None  # check {names}, allowing these besides the snippets
    describe = "non-empty text"

    def read(self, at: Place, value: Any) -> Any:
        """Check one text."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            return at.wrong(self)
        if self.plain and "<" in value:
            at.error(f"{at.subject} is shown as plain text: no HTML tags")
        for line_in_text, problem in html_problem_lines(value) if self.html else ():
            at.error(f"{at.name}: {problem}", at.text_line(line_in_text))
        if self.limit and len(value.strip()) > self.limit:
            at.error(f"{at.subject} is {len(value.strip())} characters; keep it to {self.limit}")
        if self.placeholders is not None:
            for name in at.bag.unknown_placeholders(value, self.placeholders):
                before = value[: value.find(f"{{{name}}}")]
                at.error(f"{at.name}: unknown placeholder {{{name}}}", at.text_line(before.count("\n") + 1))
        return value.strip()


@dataclass(frozen=True)
class Texts(Kind):
    """A list of non-empty texts; `lined` keeps each item's line: ((text, line), ...)."""

    noun: str = "item"  # what one item is called in messages: "put the example in quotes"
    lined: bool = False
    fold: bool = False  # compared case-insensitively: kept casefolded
    at_least: int = 0
    describe: str = ""  # how the list is written; by default one `noun` per line, each after '- '

    def __post_init__(self) -> None:
        """Say how to write the list, so "'examples' must be ..." shows the fix."""
        if not self.describe:
            object.__setattr__(self, "describe", f"a list: one {self.noun} per line, each starting with '- '")

    def read(self, at: Place, value: Any) -> Any:
        """Check a list and each of its items."""
        if isinstance(value, str) and value.lstrip().startswith("-"):
            line = at.line + 1
            hint = f"each {self.noun} starts with '- ' at the same indent"
            at.error(f"put a space after '-' on line {line}: {hint}", line)
            return INVALID
        if not isinstance(value, list) or len(value) < self.at_least:
            return at.wrong(self)
        out: list[Any] = []
        for index, item in enumerate(value):
            line = value.line_of(index) if isinstance(value, LineList) else at.line
            text = self._item(at, item, index, line)
            if text is not INVALID:
                out.append((text, line) if self.lined else text)
        return tuple(out)

    def _item(self, at: Place, item: Any, index: int, line: int) -> Any:
        """One item: text, or a reported problem at its line."""
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if isinstance(item, dict) and len(item) == 1:
            [(name, value)] = item.items()
            written = f"{name}: {value}" if value is not None else f"{name}:"
            at.error(f"put the {self.noun} in quotes: the ': ' in '{written}' reads as 'name: value'", line)
            return INVALID
        if not isinstance(item, str) or not item.strip():
            at.error(f"{at.subject} item {index + 1} must be non-empty text", line)
            return INVALID
        return item.strip().casefold() if self.fold else item.strip()


@dataclass(frozen=True)
class Number(Kind):
    """A number from `low` to `high` (no upper end when None); `whole` for counts."""

    low: float
    high: float | None = None
    whole: bool = False

    @property
    def describe(self) -> str:  # type: ignore[override]
        """The range in words."""
        whole = "whole " if self.whole else ""
        if self.high is not None:
            return f"a {whole}number from {self.low:g} to {self.high:g}"
        if self.whole and self.low == 1:
            return "a whole number above 0"
        return f"a {whole}number of at least {self.low:g}"

    def read(self, at: Place, value: Any) -> Any:
        """Check one number and its range."""
        accepted = int if self.whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, accepted):
            return at.wrong(self)
        if not self.low <= value <= (self.high if self.high is not None else value):
            return at.wrong(self)
        return value if self.whole else float(value)


@dataclass(frozen=True)
class Choice(Kind):
    """One of a few words."""

    options: tuple[str, ...]
    fold: bool = False  # Monday reads as monday

    @property
    def describe(self) -> str:  # type: ignore[override]
        """The options in words."""
        return f"one of: {', '.join(self.options)}"

    def read(self, at: Place, value: Any) -> Any:
        """Check that the value is one of the options."""
        word = value.casefold() if self.fold and isinstance(value, str) else value
        if word not in self.options:
            at.error(f"{at.name} '{value}' must be {self.describe}")
            return INVALID
        return word


@dataclass(frozen=True)
class Anything(Kind):
    """Any value; a check after the schema pass reads it (e.g. a rule's concept groups)."""

    def read(self, at: Place, value: Any) -> Any:
        """Keep the value as written."""
        return value


@dataclass(frozen=True)
class Moved(Kind):
    """A key of older content that now lives elsewhere: reported with a pointer to its new home."""

    pointer: str

    def read(self, at: Place, value: Any) -> Any:
        """Say where the key went."""
        at.error(f"{at.subject} {self.pointer}")
        return INVALID


@dataclass(frozen=True)
class Field:
    """One key of a mapping: its name, its kind, whether it must be there, and what it holds."""

    name: str
    kind: Kind
    about: str = ""  # plain words, used when the key is missing
    required: bool = True


class Record(dict[str, Any]):
    """The values of one mapping that passed their checks, with the mapping itself for lines."""

    def __init__(self, data: LineDict, line: int, ok: bool) -> None:
        super().__init__()
        self.data, self.line, self.ok = data, line, ok

    def line_of(self, key: str) -> int:
        """The line a key was written on (or the record's own line)."""
        return self.data.line_of(key) if key in self.data else self.line


@dataclass(frozen=True)
class Shape(Kind):
    """A mapping with a fixed set of keys, each described by a Field."""

    about: str  # finishes "expected ...": "an intent: a mapping with id, response and examples"
    fields: tuple[Field, ...]

    @property
    def describe(self) -> str:  # type: ignore[override]
        """The shape in words."""
        return self.about

    @property
    def keys(self) -> tuple[str, ...]:
        """The keys an editor may write, in the order they are usually written."""
        return tuple(f.name for f in self.fields if not isinstance(f.kind, Moved))

    def read(self, at: Place, value: Any) -> Any:
        """Check every key: unknown, missing, and each value against its field."""
        if not isinstance(value, LineDict):
            return at.wrong(self)
        before = len(at.bag.errors)
        record = Record(value, at.line, ok=True)
        known = {f.name: f for f in self.fields}
        for key in value:
            if key not in known:
                at.error(f"unknown key '{key}' (expected one of: {', '.join(self.keys)})", value.line_of(key))
        for spec in self.fields:
            if spec.name not in value:
                if spec.required:
                    about = f" ({spec.about})" if spec.about else ""
                    at.error(f"'{spec.name}' is missing{about}")
                continue
            nested = isinstance(spec.kind, Shape) and isinstance(value[spec.name], LineDict)
            where = f"{at.where}{spec.name}: " if nested else at.where
            place = Place(at.bag, at.path, f"'{spec.name}'", value.line_of(spec.name), where, value, spec.name)
            checked = spec.kind.read(place, value[spec.name])
            if checked is not INVALID:
                record[spec.name] = checked
        record.ok = len(at.bag.errors) == before
        return record


def fixed_texts(about: str, described: dict[str, str], kind: Kind, **special: Kind) -> Shape:
    """A fixed set of named texts (notes, button labels), each of `kind` unless `special` names its own.

    `described` says what each text is for, in plain words: a missing one is reported with it.
    """
    return Shape(about, tuple(Field(key, special.get(key, kind), what) for key, what in described.items()))


@dataclass(frozen=True)
class Named(Kind):
    """A mapping of names an editor chooses (concepts, rules, snippets) to values of one kind."""

    value: Kind
    noun: str  # how one entry is named in messages: rule 'pop'
    describe: str = "a mapping of names to values"
    required: tuple[str, ...] = ()  # names that must be there
    about: str = ""  # what the required names hold, used when one is missing
    special: tuple[tuple[str, Kind], ...] = ()  # names (or 'prefix_*') whose values are of their own kind

    def kind_of(self, name: str) -> Kind:
        """The kind a name's value must be: its own when `special` names it, else the common one."""
        for pattern, kind in self.special:
            if name == pattern or (pattern.endswith("*") and name.startswith(pattern[:-1])):
                return kind
        return self.value

    def read(self, at: Place, value: Any) -> Any:
        """Check each entry; an entry that is a record gets its name before its messages."""
        if not isinstance(value, LineDict):
            return at.wrong(self)
        before = len(at.bag.errors)
        record = Record(value, at.line, ok=True)
        for name, item in value.items():
            kind = self.kind_of(name)
            nested = isinstance(kind, Shape)
            if nested and not isinstance(item, LineDict):
                at.error(f"{self.noun} '{name}' must be {kind.describe}", value.line_of(name))
                continue
            where = f"{at.where}{self.noun} '{name}': " if nested else at.where
            key = "" if nested else name
            place = Place(at.bag, at.path, f"{self.noun} '{name}'", value.line_of(name), where, value, key)
            checked = kind.read(place, item)
            if checked is not INVALID:
                record[name] = checked
        for name in self.required:
            if name not in value:
                at.error(f"'{name}' is missing{f' ({self.about})' if self.about else ''}")
        record.ok = len(at.bag.errors) == before
        return record


@dataclass(frozen=True)
class Records(Kind):
    """A non-empty list of mappings of one shape (questions, tips), each named by its number in messages."""

    shape: Shape
    noun: str  # "question": messages start "question 3: "

    @property
    def describe(self) -> str:  # type: ignore[override]
        """The list in words."""
        required = [f.name for f in self.shape.fields if f.required]
        return f"a list of {self.noun}s ({', '.join(required)})"

    def read(self, at: Place, value: Any) -> Any:
        """Check each item against the shape; items that are not mappings are reported and left out."""
        if not isinstance(value, list) or not value:
            return at.wrong(self)
        records = []
        for index, item in enumerate(value):
            line = value.line_of(index) if isinstance(value, LineList) else at.line
            if not isinstance(item, LineDict):
                at.error(f"{self.noun} {index + 1} must be {self.shape.about}", line)
                continue
            where = f"{at.where}{self.noun} {index + 1}: "
            records.append(self.shape.read(Place(at.bag, at.path, self.noun, line, where), item))
        return tuple(records)


def read(bag: Problems, path: Path, data: Any, kind: Kind) -> Any:
    """Check a loaded file against its kind; INVALID when it is not that kind at all."""
    return kind.read(Place(bag, path, "the file", getattr(data, "line", 1)), data)


def read_file(bag: Problems, path: Path, kind: Shape | Named) -> Record | None:
    """Load one file that must hold a mapping and check it; None when it could not be read at all."""
    data = bag.load_mapping(path, kind.about if isinstance(kind, Shape) else kind.describe)
    if data is None:
        return None
    checked = read(bag, path, data, kind)
    return None if checked is INVALID else checked
