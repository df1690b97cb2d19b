"""Measuring the matcher on a labelled file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import load_content
from bot.engine import Engine
from bot.evaluation import (
    Labelled,
    Outcome,
    Report,
    _without_fold,
    cross_validate,
    evaluate,
    folds_of,
    format_report,
    known_labels,
    load_labelled,
)
from bot.settings import PROJECT_ROOT
from bot.yamlsource import ContentError, ContentInvalid

LABELLED = """\
- text: what causes it
  intent: causes
- text: my groin is numb
  intent: [red_flags, symptoms]
- text: my knee hurts
  intent: null
- text: asdf qwer zxcv
- text: what causes it?
  intent: fixes
- text: hello
  chat: group
- text: how do i fix it
  intent: fixes
  chat: private
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "labelled.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def items(tmp_path: Path) -> list[Labelled]:
    return load_labelled(write(tmp_path, LABELLED))


@pytest.fixture
def report(mini_engine: Engine, items: list[Labelled]) -> Report:
    return evaluate(mini_engine, items)


# --- reading labelled files -------------------------------------------------------


def test_labels_may_be_a_string_a_list_or_null(items: list[Labelled]) -> None:
    assert [i.expected for i in items] == [("causes",), ("red_flags", "symptoms"), (), (), ("fixes",), (), ("fixes",)]


def test_chat_defaults_to_private(items: list[Labelled]) -> None:
    assert [i.chat for i in items] == ["private"] * 5 + ["group", "private"]


def refused(path: Path, known: set[str] | None = None) -> list[ContentError]:
    """The problems load_labelled reports for a file it refuses."""
    with pytest.raises(ContentInvalid) as caught:
        load_labelled(path, known)
    return caught.value.errors


def test_each_entry_remembers_its_line(items: list[Labelled]) -> None:
    assert [i.line for i in items] == [1, 3, 5, 7, 8, 10, 12]
    assert items[0].text == "what causes it"


def test_bad_chat_value_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "- text: hello\n- text: what causes it\n  intent: causes\n  chat: channel\n")
    assert [str(e) for e in refused(path)] == [f"{path}:4: chat must be private or group, not 'channel'"]


def test_entry_without_text_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "- text: hello\n- intent: causes\n- text: [a, b]\n")
    assert [str(e) for e in refused(path)] == [f"{path}:2: entry needs a 'text'", f"{path}:3: entry needs a 'text'"]


def test_entry_that_is_not_a_mapping_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "- text: hello\n- text: bye\n- just a string\n")
    assert [str(e) for e in refused(path)] == [f"{path}:3: entry needs a 'text'"]


def test_every_bad_entry_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, "- intent: causes\n- text: a\n  chat: dm\n- text: b\n  chat: 5\n")
    assert [e.line for e in refused(path)] == [1, 3, 5]


@pytest.mark.parametrize("text", ["text: hello\n", "[]\n", ""])
def test_file_that_is_not_a_list_of_entries_is_reported(tmp_path: Path, text: str) -> None:
    with pytest.raises(ContentInvalid, match="expected a non-empty list"):
        load_labelled(write(tmp_path, text))


def test_unknown_label_is_reported_at_its_line_with_the_closest_name(tmp_path: Path) -> None:
    path = write(tmp_path, "- text: a\n  intent: causes\n- text: b\n  chat: group\n  intent: red_flag\n")
    [error] = refused(path, known={"causes", "red_flags"})
    assert (error.line, error.message) == (
        5,
        "intent: unknown label 'red_flag'; did you mean 'red_flags'? (an intent id, crisis or emergency, or null)",
    )


def test_every_label_of_a_list_is_checked(tmp_path: Path) -> None:
    [error] = refused(write(tmp_path, "- text: a\n  intent: [causes, zzz]\n"), known={"causes"})
    assert error.message.startswith("intent: unknown label 'zzz' (")


@pytest.mark.parametrize("label", ["[]", "7", "{a: b}"])
def test_labels_must_be_names(tmp_path: Path, label: str) -> None:
    [error] = refused(write(tmp_path, f"- text: a\n  intent: {label}\n"))
    assert error.line == 2 and error.message.startswith("intent: ")


def test_known_labels_are_the_intents_and_the_safety_kinds(mini_engine: Engine) -> None:
    assert known_labels(mini_engine) == set(mini_engine.intent_ids()) | {"crisis", "emergency"}


def test_syntax_error_in_labelled_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ContentInvalid, match=":2: put the text after 'text:' in quotes"):
        load_labelled(write(tmp_path, "- text: a\n- text: b: c\n"))


# --- figures ----------------------------------------------------------------------


def test_in_scope_accuracy(report: Report) -> None:
    assert report.in_scope == (3, 4)  # "what causes it?" labelled fixes is the miss


def test_nulls_rejected(report: Report) -> None:
    assert report.nulls == (3, 3)  # knee, nonsense, unaddressed group greeting


def test_red_flag_recall(report: Report) -> None:
    assert report.red_flags == (1, 1)


def test_any_listed_intent_counts_as_correct(report: Report) -> None:
    outcome = report.outcomes[1]
    assert outcome.predicted == "red_flags" and outcome.correct


def test_confused_pairs(report: Report) -> None:
    assert report.confused() == [(("fixes", "causes"), 1)]


def test_per_intent_counts(report: Report) -> None:
    rows = {label: (hits, predicted, gold) for label, hits, predicted, gold in report.per_intent()}
    assert rows["causes"] == (1, 2, 1)
    assert rows["fixes"] == (1, 1, 2)
    assert rows["(none)"] == (3, 3, 3)


def test_missed_red_flag_lowers_recall(mini_engine: Engine, tmp_path: Path) -> None:
    items = load_labelled(
        write(tmp_path, "- text: hello\n  intent: red_flags\n- text: my groin is numb\n  intent: red_flags\n")
    )
    assert evaluate(mini_engine, items).red_flags == (1, 2)


def test_empty_report_counts_as_full_marks() -> None:
    text = format_report(Report())
    assert "0/0" in text and "100.0%" in text


# --- the printed report ------------------------------------------------------------


def test_report_has_the_three_headline_lines(report: Report) -> None:
    lines = format_report(report).splitlines()
    assert lines[0].split() == ["messages", "7"]
    assert lines[1].startswith("in-scope accuracy") and "3/4" in lines[1] and "75.0%" in lines[1]
    assert lines[2].startswith("nulls rejected") and "3/3" in lines[2] and "100.0%" in lines[2]
    assert lines[3].startswith("red-flag recall") and "1/1" in lines[3] and "100.0%" in lines[3]


def test_report_lists_confused_pairs(report: Report) -> None:
    text = format_report(report)
    assert "most confused (expected -> got):" in text
    assert "  fixes -> causes: 1" in text


def test_verbose_report_lists_misses_with_their_line(report: Report) -> None:
    assert "misses:" not in format_report(report)
    text = format_report(report, verbose=True)
    assert "misses:" in text
    assert "line 8: 'what causes it?' expected fixes, got causes" in text


# --- two-part messages -------------------------------------------------------------

TWO_PART = """\
- text: what causes this and how long until it settles
  intent: [causes, recovery_time]
  both: true
- text: what exercises help, and how often should I do them
  intent: rehab
- text: what causes it
  intent: [causes, what_is_it]
"""


def test_both_marks_a_two_part_message(tmp_path: Path) -> None:
    first, second, third = load_labelled(write(tmp_path, TWO_PART))
    assert first.both and not second.both and not third.both


def test_two_part_figures_count_both_answers_and_false_seconds(tmp_path: Path) -> None:
    # The shipped content, since the mini content has no clause breaks.
    report = evaluate(Engine.load(PROJECT_ROOT), load_labelled(write(tmp_path, TWO_PART)))
    assert report.outcomes[0].answered == {"causes", "recovery_time"}
    assert report.both_answered == (1, 1)
    assert report.false_second == (0, 1)  # a list of acceptable intents is not counted as single-part
    text = format_report(report)
    assert "two-part, both" in text and "1/1" in text
    assert "false second answer" in text


def test_a_second_answer_on_a_single_part_message_is_counted(tmp_path: Path) -> None:
    item = Labelled("what exercises help", ("rehab",), "private", 1)
    report = Report([Outcome(item, "rehab", 60.0, False, also=("recovery_time",))])
    assert report.false_second == (1, 1)
    assert "two-part, both" not in format_report(report)  # nothing labelled both: no line for it


# --- cross-validation ------------------------------------------------------------


@pytest.mark.parametrize(("size", "k"), [(0, 5), (3, 5), (10, 5), (11, 3), (150, 5)])
def test_folds_are_balanced_and_cover_every_example(size: int, k: int) -> None:
    folds = folds_of(tuple(f"e{n}" for n in range(size)), k)
    assert len(folds) == size and set(folds) <= set(range(k))
    counts = [folds.count(f) for f in range(k)]
    assert max(counts) - min(counts) <= 1


def test_folds_are_the_same_on_every_run() -> None:
    examples = tuple(f"e{n}" for n in range(40))
    assert folds_of(examples, 5) == folds_of(examples, 5)
    assert folds_of(examples, 5) != sorted(folds_of(examples, 5))  # shuffled, not in file order


def test_a_fold_is_left_out_of_the_content_that_scores_it(mini_dir: Path) -> None:
    content = load_content(mini_dir)
    folds = {i: folds_of(x.examples, 2) for i, x in content.intents.items()}
    reduced = _without_fold(content, folds, [], 0)
    for intent_id, intent in content.intents.items():
        held = {e for e, f in zip(intent.examples, folds[intent_id], strict=True) if f == 0}
        assert not held & set(reduced.intents[intent_id].examples)
        assert set(reduced.intents[intent_id].examples) == set(intent.examples) - held


def test_cross_validation_scores_every_example_once(mini_engine: Engine) -> None:
    report = cross_validate(mini_engine, 2)
    texts = sorted(o.item.text for o in report.outcomes)
    assert texts == sorted(e for i in mini_engine.content.intents.values() for e in i.examples)
    assert all(len(o.item.expected) == 1 for o in report.outcomes)


def test_off_topic_examples_are_held_out_as_must_not_answer(make_content: Path) -> None:
    (make_content / "intents" / "_off_topic.yaml").write_text(
        "examples:\n  - new shoes for running\n  - pub after the run\n  - whos got a spare bib\n"
    )
    report = cross_validate(Engine.load(make_content), 3)
    assert report.nulls[1] == 3


def test_cross_validation_is_the_same_on_every_run(mini_engine: Engine) -> None:
    first, second = cross_validate(mini_engine, 2), cross_validate(mini_engine, 2)
    assert [(o.item.text, o.predicted, o.score) for o in first.outcomes] == [
        (o.item.text, o.predicted, o.score) for o in second.outcomes
    ]


def test_cross_validation_needs_two_folds(mini_engine: Engine) -> None:
    with pytest.raises(ValueError):
        cross_validate(mini_engine, 1)
