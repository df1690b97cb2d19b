"""Typical slips a clinician makes editing the content: each is one plain problem at the line of the mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content import load_content, near_duplicates
from bot.yamlsource import ContentInvalid

SYMPTOMS = "intents/symptoms.yaml"  # id: symptoms (2), response (3), related (4), examples (5) at 6 and 7
CAUSES = "responses/causes.yaml"  # a '|' text block from line 3: its lines are 4 and 5
SNIPPETS = "responses/_snippets.yaml"
SAFETY = "intents/_safety.yaml"
MATCHING = "intents/_matching.yaml"
SELFCHECK = "responses/_selfcheck.yaml"
TIPS = "responses/_tips.yaml"

# (file, what was written, what the slip wrote instead, every line `painbot check` then prints)
SLIPS = [
    # --- intents ---
    (
        SYMPTOMS,
        "  - where does it hurt",
        "    - where does it hurt",
        [
            f"{SYMPTOMS}:7: warning: line 7 is read as part of the item above it ('how do i know if i have it - where "
            "does it hurt'): if it is a new item, start it with '- ' at the same indent as the others"
        ],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        "  -where does it hurt",
        [f"{SYMPTOMS}:7: put a space after '-' on line 7: each example starts with '- ' at the same indent"],
    ),
    (
        SYMPTOMS,
        "  - how do i know if i have it\n  - where",
        "  -how do i know if i have it\n  -where",
        [f"{SYMPTOMS}:6: put a space after '-' on line 6: each example starts with '- ' at the same indent"],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        "    - where: does it hurt",
        [f"{SYMPTOMS}:7: line 7 is indented more than the one above: each example starts with '- ' at the same indent"],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        " - where does it hurt",
        [f"{SYMPTOMS}:7: line 7 is indented less than the one above: each example starts with '- ' at the same indent"],
    ),
    (
        SYMPTOMS,
        "examples:",
        "  examples:",
        [
            f"{SYMPTOMS}:5: line 5 is indented more than the one above: each key starts at the same indent as the keys "
            "around it"
        ],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        "  - where does it hurt: the sit bone",
        [
            f"{SYMPTOMS}:7: put the example in quotes: the ': ' in 'where does it hurt: the sit bone' reads as "
            "'name: value'"
        ],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        "\t- where does it hurt",
        [f"{SYMPTOMS}:7: line 7 is indented with a tab: use spaces"],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        '  - "where does it hurt',
        [f"{SYMPTOMS}:7: line 7 opens a quote that is never closed: end the text with the same quote mark"],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        "  - 'it's where i sit'",
        [
            f"{SYMPTOMS}:7: the text's closing quote comes before its end: put the whole text in double quotes "
            "(\"it's sore\"), or write '' for an apostrophe inside single quotes"
        ],
    ),
    (
        SYMPTOMS,
        "related: [fixes, see_someone]",
        "related: [fixes, see_someone",
        [f"{SYMPTOMS}:4: line 4 opens a '[' that is never closed with ']'"],
    ),
    (
        SYMPTOMS,
        "response: symptoms",
        "response symptoms",
        [f"{SYMPTOMS}:3: line 3 needs ': ' after its key (like 'response: causes')"],
    ),
    (
        SYMPTOMS,
        "id: symptoms",
        "id: symptom",
        [f"{SYMPTOMS}:2: the id 'symptom' does not match the file name: write id: symptoms or rename the file"],
    ),
    (
        SYMPTOMS,
        "response: symptoms",
        "response: symptom",
        [f"{SYMPTOMS}:3: intent 'symptoms': response 'symptom' does not exist in responses/"],
    ),
    (
        SYMPTOMS,
        "related: [fixes, see_someone]",
        "related: [fixes, see_somone]",
        [f"{SYMPTOMS}:4: intent 'symptoms': related intent 'see_somone' does not exist"],
    ),
    (
        SYMPTOMS,
        "  - where does it hurt",
        "  - where does it hurt\nexamples:\n  - sore bum",
        [f'{SYMPTOMS}:8: key "examples" is written twice (first on line 5)'],
    ),
    # --- responses ---
    (CAUSES, "  {contact}", "  More & more.\n  {contact}", [f"{CAUSES}:5: text: a bare '&' must be written as &amp;"]),
    (CAUSES, "  {contact}", "  {contcat}", [f"{CAUSES}:5: text: unknown placeholder {{contcat}}"]),
    (CAUSES, "  <b>Causes</b> answer.", "  <b>Causes answer.", [f"{CAUSES}:4: text: <b> is never closed"]),
    (
        CAUSES,
        "id: causes",
        "id: cause",
        [f"{CAUSES}:1: the id 'cause' does not match the file name: write id: causes or rename the file"],
    ),
    (
        CAUSES,
        "title: Causes",
        "title: Causes: why it starts",
        [f"{CAUSES}:2: put the text after 'title:' in quotes: a ': ' inside it reads as 'name: value'"],
    ),
    (
        CAUSES,
        "  {contact}",
        "  See a physio.",
        [f"{CAUSES}:3: warning: response 'causes': a guidance answer needs {{contact}}"],
    ),
    # --- snippets ---
    (
        SNIPPETS,
        'contact: "Contact: physio@example.org"',
        "contact: Contact: physio@example.org",
        [f"{SNIPPETS}:1: put the text after 'contact:' in quotes: a ': ' inside it reads as 'name: value'"],
    ),
    (
        SNIPPETS,
        'disclaimer: "<i>Not a diagnosis.</i>"',
        'disclaimer: "<i>Not a diagnosis."',
        [f"{SNIPPETS}:2: disclaimer: <i> is never closed"],
    ),
    (
        SNIPPETS,
        'disclaimer: "<i>Not a diagnosis.</i>"',
        'disclaimer: "<i>Not a diagnosis.</i>',
        [
            f"{SNIPPETS}:2: line 2 opens a quote that is not closed on that line, so the text runs on to line 3: "
            "end the text on line 2 with the same quote mark"
        ],
    ),
    (
        SNIPPETS,
        "none_apply: None of these apply to me",
        "none_apply: 'None of these apply to me",
        [
            f"{SNIPPETS}:4: line 4 opens a quote that is not closed on that line, so the text runs on to line 5: "
            "end the text on line 4 with the same quote mark"
        ],
    ),
    # snippets shown outside a message: plain text within Telegram's limits
    (
        SNIPPETS,
        "menu_help: What I can answer",
        "menu_help: What I can answer" + ", and more" * 25,
        [f"{SNIPPETS}:14: snippet 'menu_help' is 267 characters; keep it to 256"],
    ),
    (
        SNIPPETS,
        "settings_toggle_not_admin: Only the group's admins can change this.",
        "settings_toggle_not_admin: Only the group's admins can change this." + " Ask one of them." * 10,
        [f"{SNIPPETS}:26: snippet 'settings_toggle_not_admin' is 210 characters; keep it to 200"],
    ),
    (
        SNIPPETS,
        "more_on_this: More on this",
        "more_on_this: <b>More</b> on this",
        [f"{SNIPPETS}:7: snippet 'more_on_this' is shown as plain text: no HTML tags"],
    ),
    (
        SNIPPETS,
        "none_apply: None of these apply to me",
        "none_apply: None of these apply to me or to anyone I know",
        [f"{SNIPPETS}:4: snippet 'none_apply' is 45 characters; keep it to 32"],
    ),
    # --- safety rules ---
    (
        SAFETY,
        "    fires: [my groin is numb]",
        "    fires: [my groin: numb]",
        [
            f"{SAFETY}:28: rule 'saddle_numbness': put the example in quotes: the ': ' in 'my groin: numb' reads as "
            "'name: value'"
        ],
    ),
    (
        SAFETY,
        "  pop: [pop, popped]",
        "\tpop: [pop, popped]",
        [f"{SAFETY}:15: line 15 is indented with a tab: use spaces"],
    ),
    # --- matching ---
    (MATCHING, "threshold: 60", "threshold: 60%", [f"{MATCHING}:1: 'threshold' must be a number from 0 to 100"]),
    (
        MATCHING,
        "margin: 3",
        "  margin: 3",
        [
            f"{MATCHING}:3: line 3 is indented more than the one above: each key starts at the same indent as the keys "
            "around it"
        ],
    ),
    (
        MATCHING,
        "margin: 3\n",
        "",
        [f"{MATCHING}:1: 'margin' is missing (how close the runner-up must be to be offered)"],
    ),
    (
        MATCHING,
        "max_related: 3",
        "max_related: three",
        [f"{MATCHING}:13: 'max_related' must be a whole number above 0"],
    ),
    # --- safety file shape ---
    (
        SAFETY,
        "negation_reach: 3",
        "negation_reach: 3\nnegation_words: [no]",
        [
            f"{SAFETY}:4: unknown key 'negation_words' (expected one of: window, negation_reach, veto_reach, "
            "negations, not_negations, clause_breaks, rewrites, everyday_words, concepts, rules)"
        ],
    ),
    (SAFETY, "window: 8", "window: eight", [f"{SAFETY}:2: 'window' must be a whole number above 0"]),
    (
        SAFETY,
        "negation_reach: 3\n",
        "",
        [f"{SAFETY}:2: 'negation_reach' is missing (how many words before a mention a negation reaches)"],
    ),
    (
        SAFETY,
        "veto_reach: 2\n",
        "",
        [f"{SAFETY}:2: 'veto_reach' is missing (how many windows away an unless concept still stops a rule)"],
    ),
    # --- tips ---
    (
        TIPS,
        'default_time: "08:00"',
        'default_time: "08:00"\ndefault_timezone: UTC',
        [f"{TIPS}:4: unknown key 'default_timezone' (expected one of: default_day, default_time, messages, tips)"],
    ),
    (TIPS, '    text: "Second tip. {contact}"', "    text:", [f"{TIPS}:16: tip 2: 'text' must be non-empty text"]),
    # --- self-check ---
    (
        SELFCHECK,
        "  cancel: Cancel",
        "  cancel: Cancel\n  skip: Skip",
        [
            f"{SELFCHECK}:20: buttons: unknown key 'skip' (expected one of: yes, no, unsure, back, cancel, restart, "
            "carry_on, open_private)"
        ],
    ),
    (
        SELFCHECK,
        'progress: "Question {number} of {total}"',
        "progress: [Question]",
        [f"{SELFCHECK}:9: 'progress' must be non-empty text"],
    ),
    (
        SELFCHECK,
        "    tier: now\n    text: Any <b>numbness",
        "    tier: never\n    text: Any <b>numbness",
        [f"{SELFCHECK}:26: question 1: tier 'never' must be one of: now, today, soon"],
    ),
    # --- self-check ---
    (
        SELFCHECK,
        '  back: "« Back"',
        "  back: « Back: go back",
        [f"{SELFCHECK}:18: put the text after 'back:' in quotes: a ': ' inside it reads as 'name: value'"],
    ),
    (
        SELFCHECK,
        "  A few quick questions, one tap each.",
        "  A few <b>quick questions, one tap each.",
        [f"{SELFCHECK}:8: intro: <b> is never closed"],
    ),
    (
        SELFCHECK,
        "  A few quick questions, one tap each.",
        "  A few quick questions. {contcat}",
        [f"{SELFCHECK}:8: intro: unknown placeholder {{contcat}}"],
    ),
    (
        SELFCHECK,
        "    kind: sign\n    text: Is the pain",
        "    kind: signs\n    text: Is the pain",
        [f"{SELFCHECK}:41: question 5: kind 'signs' must be one of: red_flag, sign, lookalike"],
    ),
]


def check(root: Path) -> list[str]:
    """What `painbot check` prints: the errors, or when there are none the warnings."""
    try:
        content = load_content(root)
    except ContentInvalid as exc:
        return [str(e) for e in exc.errors]
    return [str(w) for w in (*content.warnings, *near_duplicates(content))]


@pytest.mark.parametrize(("name", "old", "new", "expected"), SLIPS, ids=[f"{s[0]}:{s[2][:30]}" for s in SLIPS])
def test_a_slip_is_one_plain_problem_at_its_line(
    make_content: Path, name: str, old: str, new: str, expected: list[str]
) -> None:
    path = make_content / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, "the slip must change one place"
    path.write_text(text.replace(old, new), encoding="utf-8")
    assert check(make_content) == expected


def test_there_are_at_least_twenty_slips() -> None:
    assert len(SLIPS) >= 20
    assert {name for name, *_ in SLIPS} >= {SYMPTOMS, CAUSES, SNIPPETS, SAFETY, MATCHING, SELFCHECK, TIPS}


def test_nothing_is_reported_that_only_follows_from_an_unreadable_snippets_file(make_content: Path) -> None:
    snippets = make_content / SNIPPETS
    snippets.write_text("\t" + snippets.read_text(encoding="utf-8") + 'contact_short: "Ask: x"\n', encoding="utf-8")
    causes = make_content / CAUSES
    causes.write_text(causes.read_text(encoding="utf-8") + "short: Causes. {contact_short}\n", encoding="utf-8")
    assert check(make_content) == [f"{SNIPPETS}:1: line 1 is indented with a tab: use spaces"]


def test_nothing_is_reported_that_only_follows_from_an_unreadable_synonyms_file(make_content: Path) -> None:
    safety = make_content / SAFETY
    text = safety.read_text(encoding="utf-8")
    safety.write_text(text.replace("fires: [felt a pop in my hamstring]", "fires: [felt a pop in my butt]"))
    (make_content / "intents" / "_synonyms.yaml").write_text("bum: [butt, arse]\n\tthanks: [cheers]\n")
    assert check(make_content) == ["intents/_synonyms.yaml:2: line 2 is indented with a tab: use spaces"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "intents/thanks.yaml",
            "",
            "intents/thanks.yaml:1: the file is empty: expected an intent: a mapping with id, response and examples",
        ),
        (
            "intents/thanks.yaml",
            "# thanks\n- thanks\n- bye\n",
            "intents/thanks.yaml:2: expected an intent: a mapping with id, response and examples",
        ),
        (
            "responses/privacy.yaml",
            "# nothing yet\n",
            "responses/privacy.yaml:1: the file is empty: expected an answer: a mapping with id, title and text",
        ),
    ],
    ids=["empty intent", "intent as a list", "empty answer"],
)
def test_a_needed_file_that_holds_no_mapping_is_one_problem(
    make_content: Path, name: str, text: str, expected: str
) -> None:
    (make_content / name).write_text(text, encoding="utf-8")
    assert check(make_content) == [expected]
