"""Loading YAML so every value remembers where it was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.yamlsource import ContentError, ContentInvalid, LineDict, LineList, load_yaml


def write(tmp_path: Path, text: str, name: str = "file.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_mapping_keys_remember_their_lines(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path, "# comment\nid: causes\n\nresponse: causes\n"))
    assert isinstance(data, LineDict)
    assert data.line == 2
    assert data.line_of("id") == 2
    assert data.line_of("response") == 4


def test_unknown_key_falls_back_to_the_mapping_line(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path, "\n\nid: x\n"))
    assert data.line_of("nope") == 3


def test_list_items_remember_their_lines(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path, "examples:\n  - one\n\n  - two\n  - three\n"))
    items = data["examples"]
    assert isinstance(items, LineList)
    assert items == ["one", "two", "three"]
    assert [items.line_of(i) for i in range(3)] == [2, 4, 5]


def test_nested_flow_lists_keep_lines(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path, "triggers:\n  - [[numb], [groin]]\n  - [[bladder]]\n"))
    assert data["triggers"].line_of(1) == 3
    assert data["triggers"][0] == [["numb"], ["groin"]]


def test_duplicate_key_is_rejected_with_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "id: a\nresponse: b\nid: c\n")
    with pytest.raises(ContentInvalid) as caught:
        load_yaml(path, tmp_path)
    [error] = caught.value.errors
    assert (error.path, error.line) == ("file.yaml", 3)
    assert error.message == 'key "id" is written twice (first on line 1)'


def test_syntax_error_names_path_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id: a\ntitle: value: other\ntext: b\n")
    with pytest.raises(ContentInvalid) as caught:
        load_yaml(path, tmp_path)
    assert (
        str(caught.value)
        == "file.yaml:2: put the text after 'title:' in quotes: a ': ' inside it reads as 'name: value'"
    )


PROJECT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("mark", ['"', "'"], ids=["double quote", "single quote"])
def test_a_runaway_quote_is_reported_where_it_opened(tmp_path: Path, mark: str) -> None:
    lines = (PROJECT / "intents" / "thanks.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[8] == "  - thanks heaps"
    lines[8] = f"  - {mark}thanks heaps"  # closed only by a later text's quote, or an apostrophe
    closed = next(number for number, source in enumerate(lines[9:], 10) if mark in source)
    assert closed > 10
    path = write(tmp_path, "\n".join(lines) + "\n", "thanks.yaml")
    with pytest.raises(ContentInvalid) as caught:
        load_yaml(path, tmp_path)
    assert str(caught.value) == (
        f"thanks.yaml:9: line 9 opens a quote that is not closed on that line, so the text runs on to line {closed}: "
        "end the text on line 9 with the same quote mark"
    )


def test_a_quoted_text_over_two_lines_that_parses_is_no_problem(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path, 'text: "one\n  two"\nnext: b\n'))
    assert data == {"text": "one two", "next": "b"}


def test_tab_indentation_is_a_syntax_error_on_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "id: a\nexamples:\n\t- one\n")
    with pytest.raises(ContentInvalid) as caught:
        load_yaml(path, tmp_path)
    assert caught.value.errors[0].line == 3


def test_non_utf8_file_is_reported_not_crashed(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ContentInvalid) as caught:
        load_yaml(path, tmp_path)
    [error] = caught.value.errors
    assert (error.path, error.line) == ("latin1.yaml", 1)
    assert "not UTF-8" in error.message


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ContentInvalid) as caught:
        load_yaml(tmp_path / "gone.yaml", tmp_path)
    assert caught.value.errors[0].path == "gone.yaml"
    assert "cannot read" in caught.value.errors[0].message


def test_path_outside_root_is_shown_in_full(tmp_path: Path) -> None:
    path = write(tmp_path, "a: [\n")
    with pytest.raises(ContentInvalid) as caught:
        load_yaml(path, tmp_path / "elsewhere")
    assert caught.value.errors[0].path == str(path)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffid: a\n".encode("utf-8"))
    assert load_yaml(path) == {"id": "a"}


def test_content_error_prints_as_path_line_message() -> None:
    assert str(ContentError("intents/causes.yaml", 7, "unknown key 'x'")) == "intents/causes.yaml:7: unknown key 'x'"


def test_content_invalid_sorts_errors_by_path_then_line() -> None:
    exc = ContentInvalid(
        [ContentError("b.yaml", 1, "x"), ContentError("a.yaml", 9, "y"), ContentError("a.yaml", 2, "z")]
    )
    assert [str(e) for e in exc.errors] == ["a.yaml:2: z", "a.yaml:9: y", "b.yaml:1: x"]
    assert str(exc) == "a.yaml:2: z\na.yaml:9: y\nb.yaml:1: x"


def test_arbitrary_python_tags_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "x: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ContentInvalid):
        load_yaml(path, tmp_path)


def test_yes_no_on_off_stay_words(tmp_path: Path) -> None:
    data = load_yaml(write(tmp_path, "stopwords: [yes, no, on, off, y, n]\nflag: true\nother: False\n"))
    assert data["stopwords"] == ["yes", "no", "on", "off", "y", "n"]
    assert data["flag"] is True and data["other"] is False


def test_global_yaml_loader_is_untouched(tmp_path: Path) -> None:
    import yaml

    load_yaml(write(tmp_path, "a: {b: [1, 2]}\n"))
    assert yaml.safe_load("a: yes\nb: {c: 1}") == {"a": True, "b": {"c": 1}}
    assert type(yaml.safe_load("a: 1")) is dict
