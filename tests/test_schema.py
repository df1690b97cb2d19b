"""The one schema reader: each kind of field, missing and unknown keys, wrong values, each at its line."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from bot.content import INTENT, MATCHING, RESPONSE, MatchingRules
from bot.schema import (
    INVALID,
    Anything,
    Choice,
    Field,
    Moved,
    Named,
    Number,
    Records,
    Shape,
    Text,
    Texts,
    read,
    read_file,
)
from bot.selfcheck_content import SELFCHECK
from bot.tips import TIPS
from bot.yamlsource import Problems

ITEM = Shape("an item: a mapping with id and text", (Field("id", Text(), "its name"), Field("text", Text(html=True))))
SHAPE = Shape(
    "a mapping with name, score and words",
    (
        Field("name", Text(), "what it is called"),
        Field("note", Text(plain=True, limit=10), required=False),
        Field("body", Text(html=True, placeholders=frozenset({"total"})), required=False),
        Field("score", Number(0, 100), "a score"),
        Field("count", Number(1, whole=True), required=False),
        Field("weight", Number(0.5), required=False),
        Field("floor", Number(2, whole=True), required=False),
        Field("words", Texts(noun="word", fold=True), required=False),
        Field("examples", Texts(noun="example", lined=True), required=False),
        Field("colour", Choice(("red", "green")), required=False),
        Field("inner", Shape("a mapping with a", (Field("a", Text()),)), required=False),
        Field("items", Records(ITEM, "item"), required=False),
        Field("named", Named(Texts(), "group", "a mapping of groups"), required=False),
        Field("free", Anything(), required=False),
        Field("old", Moved("moved to elsewhere.yaml"), required=False),
    ),
)


def check(tmp_path: Path, text: str, kind: Any = SHAPE) -> tuple[Any, list[str]]:
    """Read a YAML text against a kind: what it gives and every problem as path:line: message."""
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    bag = Problems(tmp_path)
    checked = read_file(bag, path, kind)
    return checked, [str(e) for e in sorted(bag.errors)]


def test_a_valid_mapping_gives_every_value_in_its_model_form(tmp_path: Path) -> None:
    record, errors = check(
        tmp_path,
        "name: ' Pat '\nscore: 40\ncount: 2\nwords: [Bum, Hamstring]\nexamples:\n  - one\n  - 2\n"
        "colour: red\ninner: {a: x}\nitems:\n  - id: i1\n    text: <b>T</b>\nnamed:\n  g: [x, y]\nfree: [[a]]\n",
    )
    assert errors == []
    assert record.ok
    assert record["name"] == "Pat" and record["score"] == 40.0 and isinstance(record["score"], float)
    assert record["count"] == 2 and record["words"] == ("bum", "hamstring")
    assert record["examples"] == (("one", 6), ("2", 7))  # each item with its line
    assert record["colour"] == "red" and record["inner"]["a"] == "x" and record["free"] == [["a"]]
    assert [dict(item) for item in record["items"]] == [{"id": "i1", "text": "<b>T</b>"}]
    assert dict(record["named"]) == {"g": ("x", "y")}
    assert record.line_of("score") == 2


def test_missing_keys_are_named_in_plain_words_at_the_mappings_line(tmp_path: Path) -> None:
    _, errors = check(tmp_path, "# a comment\nwords: [a]\n")
    assert errors == [
        "file.yaml:2: 'name' is missing (what it is called)",
        "file.yaml:2: 'score' is missing (a score)",
    ]


def test_an_unknown_key_names_the_allowed_ones_in_their_order_at_its_line(tmp_path: Path) -> None:
    _, errors = check(tmp_path, "name: x\nscore: 1\nscroe: 2\n")
    assert errors == [
        "file.yaml:3: unknown key 'scroe' (expected one of: name, note, body, score, count, weight, floor, words, "
        "examples, colour, inner, items, named, free)"
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("name: ''", "'name' must be non-empty text"),
        ("name: [a]", "'name' must be non-empty text"),
        ("note: <b>x</b>", "'note' is shown as plain text: no HTML tags"),
        ("note: far too long a note", "'note' is 19 characters; keep it to 10"),
        ("body: <b>open", "body: <b> is never closed"),
        ("body: '{total} of {all}'", "body: unknown placeholder {all}"),
        ("score: high", "'score' must be a number from 0 to 100"),
        ("score: 101", "'score' must be a number from 0 to 100"),
        ("score: true", "'score' must be a number from 0 to 100"),
        ("count: 0", "'count' must be a whole number above 0"),
        ("count: 1.5", "'count' must be a whole number above 0"),
        ("weight: 0.1", "'weight' must be a number of at least 0.5"),
        ("weight: heavy", "'weight' must be a number of at least 0.5"),
        ("floor: 1", "'floor' must be a whole number of at least 2"),
        ("words: bum", "'words' must be a list: one word per line, each starting with '- '"),
        ("examples: {a: b}", "'examples' must be a list: one example per line, each starting with '- '"),
        ("words: [a, '']", "'words' item 2 must be non-empty text"),
        (
            "examples: [where: it hurts]",
            "put the example in quotes: the ': ' in 'where: it hurts' reads as 'name: value'",
        ),
        ("colour: blue", "colour 'blue' must be one of: red, green"),
        ("inner: text", "'inner' must be a mapping with a"),
        ("items: []", "'items' must be a list of items (id, text)"),
        ("items: [just text]", "item 1 must be an item: a mapping with id and text"),
        ("named: [a]", "'named' must be a mapping of groups"),
        ("named: {g: x}", "group 'g' must be a list: one item per line, each starting with '- '"),
        ("old: x", "'old' moved to elsewhere.yaml"),
    ],
)
def test_a_wrong_value_is_one_problem_at_its_line(tmp_path: Path, line: str, message: str) -> None:
    others = "".join(f"{key}: {value}\n" for key, value in (("name", "x"), ("score", 1)) if f"{key}:" not in line)
    record, errors = check(tmp_path, f"{line}\n{others}")
    assert errors == [f"file.yaml:1: {message}"]
    assert not record.ok


def test_a_dash_without_a_space_is_named_at_its_own_line(tmp_path: Path) -> None:
    _, errors = check(tmp_path, "name: x\nscore: 1\nexamples:\n  -one\n")
    assert errors == ["file.yaml:4: put a space after '-' on line 4: each example starts with '- ' at the same indent"]


def test_problems_inside_records_carry_the_records_name_and_their_own_line(tmp_path: Path) -> None:
    _, errors = check(
        tmp_path,
        "name: x\nscore: 1\ninner:\n  b: 1\nitems:\n  - id: a\n  - id: b\n    text: <u>x\n    extra: 1\n",
    )
    assert errors == [
        "file.yaml:3: inner: 'a' is missing",
        "file.yaml:4: inner: unknown key 'b' (expected one of: a)",
        "file.yaml:6: item 1: 'text' is missing",
        "file.yaml:8: item 2: text: <u> is never closed",
        "file.yaml:9: item 2: unknown key 'extra' (expected one of: id, text)",
    ]


def test_named_records_are_named_by_their_key(tmp_path: Path) -> None:
    rules = Named(ITEM, "rule", "a mapping of rules")
    _, errors = check(tmp_path, "pop:\n  id: p\nfall: none\n", rules)
    assert errors == [
        "file.yaml:1: rule 'pop': 'text' is missing",
        "file.yaml:3: rule 'fall' must be an item: a mapping with id and text",
    ]


def test_a_required_name_of_a_named_mapping_must_be_there(tmp_path: Path) -> None:
    snippets = Named(Text(), "snippet", "a mapping: name -> text", required=("contact",), about="answers use it")
    _, errors = check(tmp_path, "disclaimer: Not advice.\n", snippets)
    assert errors == ["file.yaml:1: 'contact' is missing (answers use it)"]


def test_names_of_a_named_mapping_may_have_their_own_kind(tmp_path: Path) -> None:
    special = (("menu_*", Text(plain=True, limit=5)), ("label", Text(plain=True)))
    snippets = Named(Text(html=True), "snippet", "a mapping: name -> text", special=special)
    record, errors = check(
        tmp_path, "menu_a: Help\nmenu_b: Far too long\nlabel: <b>L</b>\nbody: <b>ok</b>\nmenu: <b>x</b>\n", snippets
    )
    assert errors == [
        "file.yaml:2: snippet 'menu_b' is 12 characters; keep it to 5",
        "file.yaml:3: snippet 'label' is shown as plain text: no HTML tags",
    ]
    assert record["menu_a"] == "Help" and record["body"] == "<b>ok</b>" and record["menu"] == "<b>x</b>"


def test_a_file_that_is_not_a_mapping_says_what_it_should_be(tmp_path: Path) -> None:
    checked, errors = check(tmp_path, "- a\n- b\n")
    assert checked is None
    assert errors == ["file.yaml:1: expected a mapping with name, score and words"]


def test_read_on_a_value_of_the_wrong_kind_gives_invalid(tmp_path: Path) -> None:
    bag = Problems(tmp_path)
    assert read(bag, tmp_path / "x.yaml", "text", SHAPE) is INVALID
    assert [str(e) for e in bag.errors] == ["x.yaml:1: the file must be a mapping with name, score and words"]


def test_the_matching_shape_names_every_rule_and_requires_it() -> None:
    assert MATCHING.keys == tuple(f.name for f in fields(MatchingRules))
    assert all(f.required and f.about for f in MATCHING.fields)


def nested_shapes(shape: Shape) -> list[Shape]:
    """A shape and every shape inside it: sub-mappings and the records of lists."""
    inner = [f.kind.shape if isinstance(f.kind, Records) else f.kind for f in shape.fields]
    return [shape, *(s for kind in inner if isinstance(kind, Shape) for s in nested_shapes(kind))]


@pytest.mark.parametrize("shape", [INTENT, RESPONSE, MATCHING, SELFCHECK, TIPS])
def test_every_required_key_says_what_it_holds_at_every_depth(shape: Shape) -> None:
    missing = [f.name for s in nested_shapes(shape) for f in s.fields if f.required and not f.about]
    assert missing == []


def test_a_missing_tips_message_says_what_it_is_for(tmp_path: Path) -> None:
    [messages] = [f.kind for f in TIPS.fields if f.name == "messages" and isinstance(f.kind, Shape)]
    _, errors = check(tmp_path, "stopped: Off.\nusage: Try /tips on.\n", messages)
    assert "file.yaml:1: 'already_off' is missing (what the bot says to /tips off when the tips are already off)" in (
        errors
    )
    assert len(errors) == len(messages.fields) - 2
