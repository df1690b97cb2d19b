"""Loading and checking a content folder: every problem as path:line: message, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import (
    ALERTS,
    CORE_INTENTS,
    LABELS,
    MENU,
    REQUIRED_SNIPPETS,
    SNIPPET_KINDS,
    SNIPPETS,
    SYSTEM_RESPONSES,
    load_content,
    near_duplicates,
)
from bot.engine import Engine
from bot.yamlsource import ContentInvalid
from testsupport import mini
from testsupport.content_edit import set_rules

# The required snippets besides contact and disclaimer, for tests that rewrite _snippets.yaml.
OTHER_SNIPPETS = "".join(f"{name}: Text\n" for name in sorted(REQUIRED_SNIPPETS - {"contact", "disclaimer"}))

CAUSES_INTENT = """\
# causes
id: causes
response: causes
related: [fixes, see_someone]
examples:
  - what causes it
  - why did i get this
"""

CAUSES_RESPONSE = """\
id: causes
title: Causes
text: |
  <b>Causes</b> answer.
  {contact}
"""


def write(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")


def problems(root: Path) -> list[str]:
    """Every error the loader reports, as the editor sees them."""
    with pytest.raises(ContentInvalid) as caught:
        load_content(root)
    return [str(e) for e in caught.value.errors]


@pytest.fixture
def content(make_content: Path) -> Path:
    return make_content


# --- the mini content ---------------------------------------------------------


def test_every_test_shares_one_mini_folder_and_engine(mini_dir: Path, mini_engine: Engine) -> None:
    """The fixtures hand out testsupport.mini's folder and its one engine, loaded from that folder."""
    assert mini_dir == mini.MINI and mini_dir.is_dir()
    assert mini_engine is mini.mini_engine()
    assert mini_engine.content.root.resolve() == mini.MINI.resolve()


def test_mini_content_loads_every_core_intent(mini_dir: Path) -> None:
    loaded = load_content(mini_dir)
    assert set(loaded.intents) == set(CORE_INTENTS)
    assert len(loaded.intents) == 14


def test_mini_content_has_answers_and_system_responses(mini_dir: Path) -> None:
    loaded = load_content(mini_dir)
    assert set(loaded.responses) == set(CORE_INTENTS) | set(SYSTEM_RESPONSES)
    assert loaded.responses["symptoms"].short == "Short symptoms {contact}"
    assert loaded.responses["causes"].title == "Causes"
    assert loaded.responses["causes"].text == "<b>Causes</b> answer.\n{contact}"
    assert loaded.responses["causes"].source == "responses/causes.yaml:1"


def test_mini_content_snippets_synonyms_and_rules(mini_dir: Path) -> None:
    loaded = load_content(mini_dir)
    assert set(loaded.snippets) == REQUIRED_SNIPPETS
    assert loaded.snippets["contact"] == "Contact: physio@example.org"
    assert loaded.snippets["disclaimer"] == "<i>Not a diagnosis.</i>"
    assert loaded.snippets["none_apply"] == "None of these apply to me"
    assert loaded.synonyms.fold("my butt") == "my bum"
    assert (loaded.rules.threshold, loaded.rules.group_threshold, loaded.rules.margin) == (60.0, 80.0, 3.0)
    assert loaded.rules.keyword_bonus == 10.0  # default kept for what the file leaves out
    assert loaded.rules.domain_terms == {"bum", "hamstring"}
    assert loaded.rules.offtopic_terms == {"knee"}
    assert "the" in loaded.rules.stopwords
    assert loaded.warnings == ()


def test_intent_fields_and_source_line(mini_dir: Path) -> None:
    loaded = load_content(mini_dir)
    causes = loaded.intents["causes"]
    assert causes.response == "causes"
    assert causes.examples == ("what causes it", "why did i get this")
    assert causes.related == ("fixes", "see_someone")
    assert causes.source == "intents/causes.yaml:2"


def test_old_trigger_lists_are_refused_with_a_pointer_to_the_safety_file(content: Path) -> None:
    write(content, "intents/red_flags.yaml", "id: red_flags\nresponse: red_flags\ntriggers:\n  - [[bladder]]\n")
    assert problems(content) == [
        "intents/red_flags.yaml:3: 'triggers' are no longer read here: red flags are "
        "safety rules in intents/_safety.yaml"
    ]


@pytest.mark.parametrize("reserved", ["crisis", "emergency"])
def test_safety_kinds_are_reserved_intent_ids(content: Path, reserved: str) -> None:
    write(content, f"intents/{reserved}.yaml", f"id: {reserved}\nresponse: causes\nexamples: [help me]\n")
    assert problems(content) == [
        f"intents/{reserved}.yaml:1: the id '{reserved}' is reserved for the safety layer's answers; choose another"
    ]


def test_the_urgent_intent_needs_no_examples_but_others_do(content: Path, mini_dir: Path) -> None:
    write(content, "intents/causes.yaml", "id: causes\nresponse: causes\n")
    assert problems(content) == ["intents/causes.yaml:1: an intent needs at least one example"]
    assert load_content(mini_dir).intents["red_flags"].examples == ()


def test_numbers_are_accepted_as_examples(content: Path) -> None:
    write(content, "intents/causes.yaml", CAUSES_INTENT + "  - 42\n")
    assert "42" in load_content(content).intents["causes"].examples


def test_extra_intent_beyond_the_core_is_loaded(content: Path) -> None:
    write(content, "intents/sitting.yaml", "id: sitting\nresponse: causes\nexamples: [can i sit]\n")
    assert "sitting" in load_content(content).intents


# --- one problem each, at its exact line ---------------------------------------


def test_unknown_key_is_reported_at_its_line(content: Path) -> None:
    write(content, "intents/causes.yaml", CAUSES_INTENT.replace("examples:", "exampels:"))
    found = problems(content)
    [unknown] = [p for p in found if "exampels" in p]
    assert unknown == (
        "intents/causes.yaml:5: unknown key 'exampels' (expected one of: id, response, examples, keywords, related)"
    )
    assert "triggers" not in unknown
    assert "intents/causes.yaml:2: an intent needs at least one example" in found


def test_missing_key_in_response_is_reported(content: Path) -> None:
    write(content, "responses/causes.yaml", CAUSES_RESPONSE.replace("title: Causes\n", ""))
    assert "responses/causes.yaml:1: 'title' is missing (the label of its button)" in problems(content)


def test_empty_text_is_reported(content: Path) -> None:
    write(content, "responses/causes.yaml", "id: causes\ntitle: Causes\ntext: '  '\n")
    assert "responses/causes.yaml:3: 'text' must be non-empty text" in problems(content)


def test_response_that_does_not_exist_is_reported(content: Path) -> None:
    write(content, "intents/causes.yaml", CAUSES_INTENT.replace("response: causes", "response: cause"))
    assert problems(content) == [
        "intents/causes.yaml:3: intent 'causes': response 'cause' does not exist in responses/"
    ]


def test_related_intent_that_does_not_exist_is_reported(content: Path) -> None:
    write(content, "intents/causes.yaml", CAUSES_INTENT.replace("[fixes, see_someone]", "[fixes, see_somebody]"))
    assert problems(content) == ["intents/causes.yaml:4: intent 'causes': related intent 'see_somebody' does not exist"]


def test_an_intent_id_copied_into_another_file_is_reported_as_not_its_file_name(content: Path) -> None:
    write(content, "intents/more_causes.yaml", "\nid: causes\nresponse: causes\nexamples: [what brings it on]\n")
    assert problems(content) == [
        "intents/more_causes.yaml:2: the id 'causes' does not match the file name: "
        "write id: more_causes or rename the file"
    ]


def test_duplicate_id_in_a_yml_twin_is_reported(content: Path) -> None:
    write(content, "responses/causes.yml", CAUSES_RESPONSE)
    assert problems(content) == [
        "responses/causes.yml:1: duplicate response id 'causes' (also in responses/causes.yaml:1)"
    ]


def test_missing_core_intent_is_reported(content: Path) -> None:
    (content / "intents" / "thanks.yaml").unlink()
    assert problems(content) == ["intents:0: core intent 'thanks' is missing"]


def test_missing_system_response_is_reported(content: Path) -> None:
    (content / "responses" / "privacy.yaml").unlink()
    assert problems(content) == ["responses:0: response 'privacy' is missing (the bot needs it)"]


def test_unknown_placeholder_is_reported(content: Path) -> None:
    write(content, "responses/causes.yaml", CAUSES_RESPONSE.replace("{contact}", "{contcat}"))
    assert problems(content) == ["responses/causes.yaml:5: text: unknown placeholder {contcat}"]


def test_unknown_placeholder_in_short_is_reported(content: Path) -> None:
    write(content, "responses/causes.yaml", CAUSES_RESPONSE + "short: see {blog}\n")
    assert problems(content) == ["responses/causes.yaml:6: short: unknown placeholder {blog}"]


def test_emergency_number_placeholder_is_built_in(mini_dir: Path) -> None:
    assert "{emergency_number}" in load_content(mini_dir).responses["emergency"].text


def test_unknown_placeholder_in_a_snippet_is_reported(content: Path) -> None:
    write(
        content,
        "responses/_snippets.yaml",
        'contact: "Contact: physio@example.org"\n'
        'disclaimer: "Not a diagnosis. Call {emergency_numbr} in an emergency."\n' + OTHER_SNIPPETS,
    )
    assert problems(content) == [
        "responses/_snippets.yaml:2: snippet 'disclaimer': unknown placeholder {emergency_numbr}"
    ]


def test_snippet_may_use_the_emergency_number(content: Path) -> None:
    write(
        content,
        "responses/_snippets.yaml",
        'contact: "Contact: physio@example.org"\n'
        'disclaimer: "Not a diagnosis. Call {emergency_number} in an emergency."\n' + OTHER_SNIPPETS,
    )
    assert "{emergency_number}" in load_content(content).snippets["disclaimer"]


def test_disallowed_html_tag_is_reported_at_the_text_line(content: Path) -> None:
    write(content, "responses/causes.yaml", CAUSES_RESPONSE.replace("answer.", "answer.<br>"))
    found = problems(content)
    # the text is a '|' block starting on line 3, so the tag's own line is 4
    assert "responses/causes.yaml:4: text: tag <br> is not allowed by Telegram (use b, i, u, s, a, code)" in found
    assert all(p.startswith("responses/causes.yaml:4: text:") for p in found)


def test_html_in_short_is_checked(content: Path) -> None:
    write(content, "responses/causes.yaml", CAUSES_RESPONSE + "short: <b>unclosed\n")
    assert problems(content) == ["responses/causes.yaml:6: short: <b> is never closed"]


def test_html_in_snippet_is_checked(content: Path) -> None:
    write(
        content,
        "responses/_snippets.yaml",
        'contact: "Tom & Jerry"\ndisclaimer: "<i>Not a diagnosis.</i>"\n' + OTHER_SNIPPETS,
    )
    assert problems(content) == ["responses/_snippets.yaml:1: contact: a bare '&' must be written as &amp;"]


def test_title_too_long_for_a_button_is_reported(content: Path) -> None:
    write(content, "responses/causes.yaml", CAUSES_RESPONSE.replace("title: Causes", "title: " + "x" * 29))
    assert problems(content) == ["responses/causes.yaml:2: 'title' is 29 characters; keep it to 28"]


def test_long_answer_is_a_warning_not_an_error(content: Path) -> None:
    write(content, "responses/causes.yaml", f"id: causes\ntitle: Causes\ntext: {'a' * 990} {{contact}}\n")
    warnings = [str(w) for w in load_content(content).warnings]
    assert warnings == [
        "responses/causes.yaml:3: warning: response 'causes' is 1000 characters; keep answers chat-sized"
    ]


def test_answer_too_long_for_telegram_is_an_error(content: Path) -> None:
    write(content, "responses/causes.yaml", f"id: causes\ntitle: Causes\ntext: {'a' * 4000}\n")
    assert problems(content) == ["responses/causes.yaml:3: response 'causes' is 4000 characters; Telegram allows 4096"]


def test_yaml_syntax_error_is_reported_with_its_line(content: Path) -> None:
    write(content, "responses/causes.yaml", "id: causes\ntitle: Causes: why\ntext: x\n")
    found = problems(content)
    # libyaml ends "...not allowed in this context", the pure-Python parser "...not allowed here".
    assert found == [
        "responses/causes.yaml:2: put the text after 'title:' in quotes: a ': ' inside it reads as 'name: value'"
    ]


def test_non_utf8_content_file_is_reported(content: Path) -> None:
    (content / "responses" / "causes.yaml").write_bytes(
        CAUSES_RESPONSE.replace("answer", "caf\u00e9").encode("latin-1")
    )
    assert any(p.startswith("responses/causes.yaml:1: not UTF-8 text") for p in problems(content))


def test_file_that_is_not_a_mapping_is_reported(content: Path) -> None:
    write(content, "intents/causes.yaml", "- what causes it\n- why me\n")
    assert problems(content) == ["intents/causes.yaml:1: expected an intent: a mapping with id, response and examples"]


def test_intent_without_examples_is_reported(content: Path) -> None:
    write(content, "intents/causes.yaml", "id: causes\nresponse: causes\nexamples: []\n")
    assert problems(content) == ["intents/causes.yaml:3: an intent needs at least one example"]


def test_bad_example_item_is_reported_at_its_own_line(content: Path) -> None:
    write(content, "intents/causes.yaml", "id: causes\nresponse: causes\nexamples:\n  - fine\n  - [not, text]\n")
    assert problems(content) == ["intents/causes.yaml:5: 'examples' item 2 must be non-empty text"]


def test_examples_not_a_list_is_reported(content: Path) -> None:
    write(content, "intents/causes.yaml", "id: causes\nresponse: causes\nexamples: what causes it\n")
    expected = "intents/causes.yaml:3: 'examples' must be a list: one example per line, each starting with '- '"
    assert expected in problems(content)


def line_of_key(root: Path, name: str, key: str) -> int:
    """The line a key is written on in one content file."""
    rows = (root / name).read_text(encoding="utf-8").splitlines()
    return next(n for n, row in enumerate(rows, 1) if row.startswith(f"{key}:"))


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("threshold", "high", "'threshold' must be a number from 0 to 100"),
        ("threshold", 150, "'threshold' must be a number from 0 to 100"),
        ("threshold", True, "'threshold' must be a number from 0 to 100"),
        ("min_known_share", 2, "'min_known_share' must be a number from 0 to 1"),
        ("max_chars", 0, "'max_chars' must be a whole number above 0"),
        ("max_related", 2.5, "'max_related' must be a whole number above 0"),
        ("stopwords", "the", "'stopwords' must be a list: one word per line, each starting with '- '"),
    ],
)
def test_bad_matching_value_is_reported(content: Path, key: str, value: object, expected: str) -> None:
    set_rules(content, **{key: value})
    line = line_of_key(content, "intents/_matching.yaml", key)
    assert problems(content) == [f"intents/_matching.yaml:{line}: {expected}"]


def test_unknown_matching_key_is_reported(content: Path) -> None:
    path = content / "intents" / "_matching.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "treshold: 60\n", encoding="utf-8")
    [found] = problems(content)
    line = line_of_key(content, "intents/_matching.yaml", "treshold")
    assert found.startswith(f"intents/_matching.yaml:{line}: unknown key 'treshold' (expected one of: threshold, ")


def test_every_matching_key_is_required(content: Path) -> None:
    path = content / "intents" / "_matching.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("margin: 3\n", ""), encoding="utf-8")
    assert problems(content) == [
        "intents/_matching.yaml:1: 'margin' is missing (how close the runner-up must be to be offered)"
    ]


def test_a_missing_matching_file_is_reported(content: Path) -> None:
    (content / "intents" / "_matching.yaml").unlink()
    assert problems(content) == [
        "intents/_matching.yaml:0: file is missing: it holds the matcher's numbers and word lists"
    ]


def test_synonym_variant_claimed_by_two_words_is_reported(content: Path) -> None:
    write(content, "intents/_synonyms.yaml", "bum: [butt, arse]\nthanks: [cheers]\nseat: [chair, BUTT]\n")
    assert problems(content) == ["intents/_synonyms.yaml:3: 'BUTT' is already a synonym of 'bum'"]


def test_synonym_variants_that_clean_the_same_are_a_clash(content: Path) -> None:
    write(content, "intents/_synonyms.yaml", "bum: [butt, sit-bone]\nthanks: [cheers]\nseat: [sit bone]\n")
    assert problems(content) == ["intents/_synonyms.yaml:3: 'sit bone' is already a synonym of 'bum'"]


@pytest.mark.parametrize("name", ["responses/_snippets.yaml", "intents/_matching.yaml", "intents/_synonyms.yaml"])
def test_syntax_error_in_a_special_file_is_reported_with_its_line(content: Path, name: str) -> None:
    write(content, name, "contact: fine\nkey: value: other\n")
    assert f"{name}:2: put the text after 'key:' in quotes: a ': ' inside it reads as 'name: value'" in problems(
        content
    )


@pytest.mark.parametrize("name", ["responses/_snippets.yaml", "intents/_matching.yaml", "intents/_synonyms.yaml"])
def test_syntax_error_in_a_special_file_is_not_also_called_the_wrong_shape(content: Path, name: str) -> None:
    write(content, name, "contact: fine\nkey: value: other\n")
    assert not [p for p in problems(content) if p.startswith(f"{name}:") and "expected a mapping" in p]


def test_synonyms_file_may_be_left_out(content: Path) -> None:
    (content / "intents" / "_synonyms.yaml").unlink()
    assert load_content(content).synonyms.fold("my butt") == "my butt"


def test_missing_snippets_file_is_reported(content: Path) -> None:
    (content / "responses" / "_snippets.yaml").unlink()
    assert "responses/_snippets.yaml:0: file is missing: it holds the contact line and disclaimer" in problems(content)


def test_snippets_without_disclaimer_are_reported(content: Path) -> None:
    write(content, "responses/_snippets.yaml", 'contact: "Contact: physio@example.org"\n')
    assert "responses/_snippets.yaml:1: 'disclaimer' is missing (the bot's own messages use it)" in problems(content)


@pytest.mark.parametrize("name", ["more_on_this", "menu_tips", "auto_on", "settings_saved", "terminal_goodbye"])
def test_a_missing_line_of_the_bots_own_wording_is_reported(content: Path, name: str) -> None:
    snippets = content / "responses" / "_snippets.yaml"
    kept = [row for row in snippets.read_text().splitlines() if not row.startswith(f"{name}:")]
    write(content, "responses/_snippets.yaml", "\n".join(kept) + "\n")
    assert problems(content) == [f"responses/_snippets.yaml:1: '{name}' is missing (the bot's own messages use it)"]


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "responses").mkdir()
    assert problems(tmp_path) == ["intents:0: folder is missing"]


# --- many problems at once ------------------------------------------------------


def test_problems_in_several_files_are_reported_together_in_order(content: Path) -> None:
    write(content, "responses/causes.yaml", CAUSES_RESPONSE.replace("{contact}", "{contcat}"))
    write(content, "intents/causes.yaml", CAUSES_INTENT.replace("[fixes, see_someone]", "[fixes, nope]"))
    set_rules(content, margin=-1)
    write(content, "intents/fixes.yaml", "id: fixes\nresponse: fixes\nexamples: [how do i fix it]\nkeywrods: [fix]\n")
    with pytest.raises(ContentInvalid) as caught:
        load_content(content)
    found = [str(e) for e in caught.value.errors]
    assert [p.split(" (expected one of")[0] for p in found] == [
        "intents/_matching.yaml:3: 'margin' must be a number from 0 to 100",
        "intents/causes.yaml:4: intent 'causes': related intent 'nope' does not exist",
        "intents/fixes.yaml:4: unknown key 'keywrods'",
        "responses/causes.yaml:5: text: unknown placeholder {contcat}",
    ]
    assert str(caught.value) == "\n".join(found)


# --- near duplicates ------------------------------------------------------------


def test_mini_content_has_no_near_duplicates(mini_dir: Path) -> None:
    assert near_duplicates(load_content(mini_dir)) == []


def test_example_shared_by_two_intents_is_warned_about(content: Path) -> None:
    write(content, "intents/fixes.yaml", "id: fixes\nresponse: fixes\nexamples:\n  - What causes it?\n")
    warnings = [str(w) for w in near_duplicates(load_content(content))]
    assert warnings == [
        "intents/causes.yaml:6: warning: example 'what causes it' is nearly the same as "
        "'What causes it?' in intent 'fixes' (intents/fixes.yaml:4)"
    ]


@pytest.mark.parametrize(
    ("causes", "warning"),
    [
        ("text: Causes answer.\n", "3: warning: response 'causes': a guidance answer needs {contact}"),
        (
            "text: Causes answer. {contact}\nshort: Causes.\n",
            "4: warning: response 'causes': its short form needs {contact_short} or {contact}",
        ),
    ],
)
def test_guidance_answer_without_the_contact_line_is_a_warning(content: Path, causes: str, warning: str) -> None:
    write(content, "responses/causes.yaml", f"id: causes\ntitle: Causes\n{causes}")
    assert [str(w) for w in load_content(content).warnings] == [f"responses/causes.yaml:{warning}"]


def test_short_form_may_end_with_the_short_contact_line(content: Path) -> None:
    snippets = content / "responses" / "_snippets.yaml"
    write(content, "responses/_snippets.yaml", snippets.read_text() + 'contact_short: "Ask: x"\n')
    write(
        content,
        "responses/causes.yaml",
        "id: causes\ntitle: Causes\ntext: Causes. {contact}\nshort: Causes. {contact_short}\n",
    )
    assert load_content(content).warnings == ()


def test_example_also_listed_as_off_topic_is_warned_about(content: Path) -> None:
    write(content, "intents/_off_topic.yaml", "examples:\n  - what causes it\n  - pub after parkrun\n")
    warnings = [str(w) for w in near_duplicates(load_content(content))]
    assert warnings == [
        "intents/causes.yaml:6: warning: example 'what causes it' is nearly the same as "
        "'what causes it' in intent '_off_topic' (intents/_off_topic.yaml:2)"
    ]


# --- pictures -------------------------------------------------------------------

PICTURED = CAUSES_RESPONSE + "image: images/sit-bone.png\nimage_alt: A diagram.\n"


def test_a_response_carries_its_picture_and_alt_text(content: Path) -> None:
    (content / "images").mkdir(exist_ok=True)
    write(content / "responses", "causes.yaml", PICTURED)
    response = load_content(content).responses["causes"]
    assert (response.image, response.image_alt) == ("images/sit-bone.png", "A diagram.")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            CAUSES_RESPONSE + "image: images/none.png\nimage_alt: A diagram.\n",
            "responses/causes.yaml:6: image 'images/none.png' does not exist",
        ),
        (CAUSES_RESPONSE + "image: images/sit-bone.png\n", "responses/causes.yaml:6: 'image' needs 'image_alt'"),
        (CAUSES_RESPONSE + "image_alt: A diagram.\n", "responses/causes.yaml:6: 'image_alt' without an 'image'"),
        (
            CAUSES_RESPONSE + "image: ../../etc/passwd\nimage_alt: A diagram.\n",
            "responses/causes.yaml:6: image '../../etc/passwd' lies outside the content folder",
        ),
        (
            CAUSES_RESPONSE + "image: intents/causes.yaml\nimage_alt: A diagram.\n",
            "responses/causes.yaml:6: image 'intents/causes.yaml': not a PNG or JPEG file",
        ),
    ],
)
def test_picture_problems_are_reported_at_their_line(content: Path, text: str, problem: str) -> None:
    write(content / "responses", "causes.yaml", text)
    assert [p for p in problems(content) if p.startswith(problem)], problems(content)


def test_every_snippet_with_a_kind_of_its_own_is_one_the_bot_needs() -> None:
    named = {name for name, _ in SNIPPET_KINDS if not name.endswith("*")}
    assert named == set(ALERTS) | set(LABELS) and named <= REQUIRED_SNIPPETS
    menus = {name for name in REQUIRED_SNIPPETS if name.startswith("menu_")}
    assert menus and all(SNIPPETS.kind_of(name) is MENU for name in menus)
