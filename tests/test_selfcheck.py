"""The self-check: its YAML checked line by line, and every path through the pure flow."""

from __future__ import annotations

import itertools
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.content import REQUIRED_SNIPPETS, load_content
from bot.engine import Engine
from bot.safety import TIERS, Alert
from bot.selfcheck import SelfCheck
from bot.selfcheck_content import KINDS, SECTIONS, SelfCheckContent, load_selfcheck
from bot.selfcheck_terminal import TerminalCheck, step_reply
from bot.yamlsource import ContentInvalid, Problems
from testsupport.mini import MINI

PROJECT = Path(__file__).resolve().parents[1]
REAL_FILE = PROJECT / "responses" / "_selfcheck.yaml"
SHOWN = "responses/_selfcheck.yaml"

# A small, complete self-check: 2 red flags, 3 signs, 2 lookalikes.  Tests break copies of it.
VALID = """\
# test copy
intro: <b>Check</b> intro
progress: "Q {number}/{total}"
sections:
  red_flag: Safety
  sign: Signs
  lookalike: Others
buttons:
  "yes": "Yes"
  "no": "No"
  unsure: Not sure
  back: Back
  cancel: Cancel
  restart: Restart
  carry_on: Carry on
  open_private: Open
questions:
  - id: rf1
    kind: red_flag
    tier: now
    text: Red one?
  - id: rf2
    kind: red_flag
    tier: today
    text: Red two?
  - id: s1
    kind: sign
    text: Sign one?
    summary: sign one
  - id: s2
    kind: sign
    text: Sign two?
    summary: sign two
  - id: s3
    kind: sign
    text: Sign three?
    summary: sign three
  - id: l1
    kind: lookalike
    text: Look one?
    summary: look one
  - id: l2
    kind: lookalike
    text: Look two?
    summary: look two
summary:
  heading: <b>Summary</b>
  signs_some: "Yes to {matched} of {total}:"
  signs_none: None of the {total}.
  signs_unsure: "Unsure:"
  lookalikes: "Also:"
  lookalikes_note: Mention these.
  others: Other things can cause it.
  closing: |
    This is not a diagnosis.
    {contact}
    {disclaimer}
notes:
  cancelled: Stopped.
  timed_out: Timed out.
  already_running: Already running.
  group_redirect: Go private.
  stale: Use the latest.
  ended: Ended.
"""
SNIPPETS = 'contact: "Contact: physio@example.org"\ndisclaimer: "<i>Not advice.</i>"\n'
URGENT = "URGENT: call {emergency_number}. {contact}"
NO_RED = ("no", "no")  # the two red-flag questions of VALID answered no


def line(text: str, fragment: str, nth: int = 1) -> int:
    """The 1-based line of the nth line containing fragment."""
    hits = [n for n, row in enumerate(text.splitlines(), 1) if fragment in row]
    return hits[nth - 1]


def bag_for(root: Path) -> Problems:
    """The loader's problem collector, as load_content hands it over once the snippets are read."""
    bag = Problems(root)
    bag.placeholders |= REQUIRED_SNIPPETS  # the names SNIPPETS and the shipped snippets define
    return bag


def problems(tmp_path: Path, text: str) -> list[str]:
    """Load a self-check file through the real bag; every problem as 'path:line: message'."""
    (tmp_path / "responses").mkdir(exist_ok=True)
    (tmp_path / "responses" / "_snippets.yaml").write_text(SNIPPETS, encoding="utf-8")
    (tmp_path / "responses" / "_selfcheck.yaml").write_text(text, encoding="utf-8")
    bag = bag_for(tmp_path)
    result = load_selfcheck(tmp_path, bag)
    errors = [str(e) for e in sorted(bag.errors)]
    assert (result is None) == bool(errors)
    return errors


def only(errors: list[str], at: int, message: str) -> None:
    """Exactly one problem, at this line, saying this (message may be the start of it)."""
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{SHOWN}:{at}: {message}"), errors


def fill(text: str) -> str:
    return (
        text.replace("{contact}", "Contact: physio@example.org")
        .replace("{disclaimer}", "<i>Not advice.</i>")
        .replace("{emergency_number}", "000")
    )


@pytest.fixture
def content(tmp_path: Path) -> SelfCheckContent:
    (tmp_path / "responses").mkdir()
    (tmp_path / "responses" / "_selfcheck.yaml").write_text(VALID, encoding="utf-8")
    loaded = load_selfcheck(tmp_path, bag_for(tmp_path))
    assert loaded is not None
    return loaded


@pytest.fixture
def flow(content: SelfCheckContent) -> SelfCheck:
    return SelfCheck(content, {tier: fill(f"{tier.upper()} " + URGENT) for tier in TIERS}, fill, ("topic-a", "topic-b"))  # type: ignore[arg-type]  # ids for buttons


def run(flow: SelfCheck, *choices: str):  # noqa: ANN201 - a Step
    step = flow.start()
    for choice in choices:
        assert not step.finished, f"finished early before {choice}"
        step = flow.answer(step.state, choice)
    return step


# --- the real file -------------------------------------------------------------------------------


def test_the_projects_selfcheck_file_is_valid() -> None:
    bag = bag_for(PROJECT)
    loaded = load_selfcheck(PROJECT, bag)
    assert [str(e) for e in bag.errors] == []
    assert loaded is not None
    kinds = [q.kind for q in loaded.questions]
    assert kinds.count("red_flag") == 6 and kinds.count("sign") == 3 and kinds.count("lookalike") == 2


def test_the_real_file_loads_through_load_content(make_content: Path) -> None:
    root = make_content
    shutil.copy(REAL_FILE, root / "responses" / "_selfcheck.yaml")
    content = load_content(root)
    assert isinstance(content.selfcheck, SelfCheckContent)
    assert content.selfcheck == load_selfcheck(PROJECT, bag_for(PROJECT))
    assert "_selfcheck" not in content.responses  # an _ file, not an answer


def test_load_content_reports_selfcheck_problems_with_the_rest(make_content: Path) -> None:
    root = make_content
    broken = VALID.replace("    kind: lookalike\n    text: Look two?", "    kind: maybe\n    text: Look two?")
    (root / "responses" / "_selfcheck.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ContentInvalid) as caught:
        load_content(root)
    assert [str(e) for e in caught.value.errors] == [
        f"{SHOWN}:{line(broken, 'kind: maybe')}: question 7: kind 'maybe' must be one of: red_flag, sign, lookalike"
    ]


# --- the loader's errors, each with its line --------------------------------------------------------


def test_valid_copy_has_no_problems(tmp_path: Path) -> None:
    assert problems(tmp_path, VALID) == []


def test_missing_file(tmp_path: Path) -> None:
    bag = bag_for(tmp_path)
    assert load_selfcheck(tmp_path, bag) is None
    assert [str(e) for e in bag.errors] == [
        f"{SHOWN}:0: file is missing: it holds the self-check (/check) questions and wording"
    ]


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    broken = VALID.replace("  sign: Signs\n", "  sign: [Signs\n")
    errors = problems(tmp_path, broken)
    assert (
        len(errors) == 1
        and errors[0].startswith(f"{SHOWN}:")
        and "opens a '[' that is never closed with ']'" in errors[0]
    )


def test_not_a_mapping(tmp_path: Path) -> None:
    only(problems(tmp_path, "- just\n- a list\n"), 1, "expected a mapping")


def test_empty_file(tmp_path: Path) -> None:
    only(problems(tmp_path, "# nothing yet\n"), 1, "the file is empty: expected a mapping")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    broken = VALID.replace('progress: "Q', 'colour: red\nprogress: "Q')
    only(problems(tmp_path, broken), line(broken, "colour:"), "unknown key 'colour' (expected one of: intro,")


def test_missing_top_level_key(tmp_path: Path) -> None:
    broken = VALID.replace('progress: "Q {number}/{total}"\n', "")
    only(problems(tmp_path, broken), 2, "'progress' is missing (the question counter)")  # the mapping starts on line 2


def test_unknown_and_missing_keys_in_a_section(tmp_path: Path) -> None:
    broken = VALID.replace("  ended: Ended.\n", "  finished: Done.\n")
    errors = problems(tmp_path, broken)
    assert errors == [
        f"{SHOWN}:{line(broken, 'notes:')}: notes: 'ended' is missing (the pop-up when a finished check's button "
        "is tapped)",
        f"{SHOWN}:{line(broken, 'finished:')}: notes: unknown key 'finished' (expected one of: cancelled, "
        "timed_out, already_running, group_redirect, stale, ended)",
    ]


def test_yes_and_no_keys_stay_words(tmp_path: Path) -> None:
    plain = VALID.replace('  "yes": "Yes"\n  "no": "No"', "  yes: Yes\n  no: No")
    assert problems(tmp_path, plain) == []


# One broken line each: (text to replace, replacement, a marker on the reported line, the message).
# A problem inside a block of text (|) is reported at its own line in the block.
ONE_PROBLEM = [
    pytest.param(
        "    text: Red two?",
        '    text: ""',
        'text: ""',
        "question 2: 'text' must be non-empty text",
        id="empty_question_text",
    ),
    pytest.param(
        "  cancelled: Stopped.",
        "  cancelled:",
        "  cancelled:",
        "notes: 'cancelled' must be non-empty text",
        id="empty_note",
    ),
    pytest.param(
        "  - id: rf2\n    kind: red_flag\n",
        "  - id: rf2\n",
        "id: rf2",
        "question 2: 'kind' is missing (red_flag, sign or lookalike)",
        id="missing_question_key",
    ),
    pytest.param(
        "    text: Red one?",
        "    text: Red one?\n    urgency: high",
        "urgency:",
        "question 1: unknown key 'urgency'",
        id="unknown_question_key",
    ),
    pytest.param(
        "  - id: rf2\n    kind: red_flag",
        "  - id: rf2\n    kind: urgent",
        "kind: urgent",
        "question 2: kind 'urgent' must be one of: red_flag, sign, lookalike",
        id="kind_must_be_one_of_three",
    ),
    pytest.param(
        "    text: Sign three?",
        "    text: <div>Sign three?</div>",
        "<div>",
        "question 5: text: tag <div> is not allowed by Telegram",
        id="disallowed_html_tag",
    ),
    pytest.param(
        "  heading: <b>Summary</b>",
        "  heading: <b>Summary",
        "heading:",
        "summary: heading: <b> is never closed",
        id="unclosed_tag_in_the_summary",
    ),
    pytest.param(
        "    {disclaimer}",
        "    {disclaimer} {phone}",
        "{phone}",
        "summary: closing: unknown placeholder {phone}",
        id="unknown_placeholder",
    ),
    pytest.param(
        "  others: Other things can cause it.",
        "  others: '{matched} other things.'",
        "others:",
        "summary: others: unknown placeholder {matched}",
        id="placeholders_belong_to_their_piece",
    ),
    pytest.param(
        "    {disclaimer}\n",
        "",
        "closing:",
        "summary: 'closing' must include {disclaimer}",
        id="closing_must_carry_contact_and_disclaimer",
    ),
]


@pytest.mark.parametrize(("old", "new", "marker", "message"), ONE_PROBLEM)
def test_one_broken_piece_is_reported_at_its_line(
    tmp_path: Path, old: str, new: str, marker: str, message: str
) -> None:
    broken = VALID.replace(old, new)
    assert broken != VALID
    only(problems(tmp_path, broken), line(broken, marker), message)


def test_duplicate_question_id(tmp_path: Path) -> None:
    broken = VALID.replace("  - id: s2\n", "  - id: s1\n")
    only(
        problems(tmp_path, broken),
        line(broken, "id: s1", 2),
        f"duplicate question id 's1' (first on line {line(broken, 'id: s1')})",
    )


def test_no_red_flag_question(tmp_path: Path) -> None:
    broken = re.sub(r"  - id: rf1\n.*?(?=  - id: s1)", "", VALID, flags=re.DOTALL)
    only(problems(tmp_path, broken), line(broken, "questions:"), "the check needs at least one red_flag question")


def test_no_sign_question(tmp_path: Path) -> None:
    broken = re.sub(r"  - id: s1\n.*?(?=  - id: l1)", "", VALID, flags=re.DOTALL)
    only(problems(tmp_path, broken), line(broken, "questions:"), "the check needs at least one sign question")


def test_questions_must_keep_their_order(tmp_path: Path) -> None:
    broken = VALID.replace(
        "summary:\n  heading", "  - id: rf9\n    kind: red_flag\n    tier: now\n    text: Late?\nsummary:\n  heading"
    )
    only(
        problems(tmp_path, broken),
        line(broken, "kind: red_flag", 3),
        "question 8: questions must go in order: red_flag, then sign, then lookalike",
    )


def test_sign_needs_a_summary_and_red_flag_has_none(tmp_path: Path) -> None:
    broken = VALID.replace("    text: Sign two?\n    summary: sign two\n", "    text: Sign two?\n")
    broken = broken.replace("    text: Red one?", "    text: Red one?\n    summary: red")
    assert problems(tmp_path, broken) == sorted(
        [
            f"{SHOWN}:{line(broken, 'id: s2')}: question 4: "
            "a sign question needs a 'summary' (how the summary names it)",
            f"{SHOWN}:{line(broken, 'summary: red')}: question 1: a red-flag question ends the check at once, so "
            "'summary' is not used",
        ]
    )


def test_button_labels_are_plain_and_short(tmp_path: Path) -> None:
    broken = VALID.replace("  back: Back", "  back: <b>Back</b>").replace(
        "  open_private: Open", "  open_private: Open the self-check in a private chat with me now"
    )
    assert problems(tmp_path, broken) == [
        f"{SHOWN}:{line(broken, 'back:')}: buttons: 'back' is shown as plain text: no HTML tags",
        f"{SHOWN}:{line(broken, 'open_private:')}: buttons: 'open_private' is 49 characters; keep it to 32",
    ]


def test_snippet_names_are_known_placeholders(tmp_path: Path) -> None:
    broken = VALID.replace("  cancelled: Stopped.", "  cancelled: Stopped. {contact} {emergency_number}")
    assert problems(tmp_path, broken) == []


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    broken = (
        VALID.replace("  - id: s2\n", "  - id: s1\n")
        .replace("  - id: l1\n    kind: lookalike", "  - id: l1\n    kind: guess")
        .replace("  heading: <b>Summary</b>", "  heading: <p>Summary</p>")
        .replace("  stale: Use the latest.", "  stale: Use <b>the latest</b>.")
    )
    errors = problems(tmp_path, broken)
    assert [int(e.split(":")[1]) for e in errors] == sorted(
        [line(broken, "id: s1", 2), line(broken, "kind: guess"), line(broken, "<p>"), line(broken, "stale:")]
    )


# --- the flow --------------------------------------------------------------------------------------


def test_start_shows_the_intro_and_the_first_red_flag(flow: SelfCheck) -> None:
    step = flow.start()
    assert not step.finished and step.outcome is None and step.intent_id is None
    assert step.text.startswith("<b>Check</b> intro\n<i>Q 1/7</i>\n<b>Safety</b>\nRed one?")
    assert [c.value for c in step.choices] == ["yes", "no", "cancel"]  # no Back, no Not sure on a red flag
    assert [c.label for c in step.choices] == ["Yes", "No", "Cancel"]


def test_later_questions_have_back_and_no_intro(flow: SelfCheck) -> None:
    step = run(flow, "no")
    assert step.text == "<i>Q 2/7</i>\n<b>Safety</b>\nRed two?"
    assert [c.value for c in step.choices] == ["yes", "no", "back", "cancel"]
    sign = run(flow, *NO_RED)
    assert sign.text == "<i>Q 3/7</i>\n<b>Signs</b>\nSign one?"
    assert [c.value for c in sign.choices] == ["yes", "no", "unsure", "back", "cancel"]


@pytest.mark.parametrize(("index", "tier"), [(0, "now"), (1, "today")])
def test_each_red_flag_yes_ends_at_once_with_its_tiers_urgent_answer(flow: SelfCheck, index: int, tier: str) -> None:
    step = run(flow, *(["no"] * index), "yes")
    assert step.finished and step.outcome == "urgent" and step.intent_id == "selfcheck_urgent"
    assert step.text == f"{tier.upper()} URGENT: call 000. Contact: physio@example.org" and step.tier == tier
    assert step.choices == () and step.topics == ()


def test_all_no_gives_the_summary(flow: SelfCheck) -> None:
    step = run(flow, *NO_RED, "no", "no", "no", "no", "no")
    assert step.outcome == "summary" and step.intent_id == "selfcheck_summary"
    assert step.text == (
        "<b>Summary</b>\nNone of the 3.\nOther things can cause it.\nThis is not a diagnosis.\n"
        "Contact: physio@example.org\n<i>Not advice.</i>"
    )
    assert step.topics == ("topic-a", "topic-b") and step.choices == ()


@pytest.mark.parametrize(
    ("signs", "matched"),
    [
        (("no", "no", "no"), []),
        (("yes", "no", "no"), ["sign one"]),
        (("no", "yes", "yes"), ["sign two", "sign three"]),
        (("yes", "yes", "yes"), ["sign one", "sign two", "sign three"]),
    ],
)
def test_summary_counts_the_matching_signs(flow: SelfCheck, signs: tuple[str, ...], matched: list[str]) -> None:
    text = run(flow, *NO_RED, *signs, "no", "no").text
    if matched:
        assert f"Yes to {len(matched)} of 3:\n" + "".join(f"• {m}\n" for m in matched) in text
    else:
        assert "None of the 3." in text
    for name in {"sign one", "sign two", "sign three"} - set(matched):
        assert name not in text


def test_unsure_signs_are_listed_apart(flow: SelfCheck) -> None:
    text = run(flow, *NO_RED, "yes", "unsure", "no", "no", "no").text
    assert "Yes to 1 of 3:\n• sign one\nUnsure:\n• sign two\n" in text
    assert "sign three" not in text


@pytest.mark.parametrize(
    ("looks", "named"),
    [
        (("yes", "no"), ["look one"]),
        (("no", "yes"), ["look two"]),
        (("yes", "yes"), ["look one", "look two"]),
    ],
)
def test_lookalike_yes_is_mentioned(flow: SelfCheck, looks: tuple[str, ...], named: list[str]) -> None:
    text = run(flow, *NO_RED, "yes", "yes", "yes", *looks).text
    assert "Also:\n" + "".join(f"• {n}\n" for n in named) + "Mention these.\nOther things can cause it." in text


@pytest.mark.parametrize("looks", [("no", "no"), ("unsure", "unsure"), ("no", "unsure")])
def test_lookalikes_not_said_yes_are_not_mentioned(flow: SelfCheck, looks: tuple[str, ...]) -> None:
    text = run(flow, *NO_RED, "yes", "yes", "yes", *looks).text
    assert "Also:" not in text and "Mention these." not in text and "look" not in text
    assert "Other things can cause it." in text  # the lookalikes are always mentioned in general


@pytest.mark.parametrize("index", range(1, 7))
def test_back_from_each_question_goes_to_the_one_before(flow: SelfCheck, index: int) -> None:
    answers = ["no"] * index
    step = run(flow, *answers)
    assert step.state.index == index
    back = flow.answer(step.state, "back")
    assert back.state.index == index - 1 and back.question == flow.questions[index - 1]
    assert back.text == flow.current(back.state).text
    assert flow.back(step.state) == back


def test_back_on_the_first_question_stays_there(flow: SelfCheck) -> None:
    assert flow.answer(flow.start().state, "back") == flow.start()


def test_back_lets_an_answer_be_changed(flow: SelfCheck) -> None:
    step = run(flow, *NO_RED, "yes")  # said yes to sign one
    step = flow.answer(flow.back(step.state).state, "no")
    step = run_from(flow, step, "no", "no", "no", "no")
    assert "None of the 3." in step.text


def run_from(flow: SelfCheck, step, *choices: str):  # noqa: ANN001, ANN201
    for choice in choices:
        step = flow.answer(step.state, choice)
    return step


def test_back_then_yes_on_a_red_flag_is_still_urgent(flow: SelfCheck) -> None:
    step = run(flow, *NO_RED, "yes")
    step = flow.back(flow.back(step.state).state)
    assert flow.answer(step.state, "yes").outcome == "urgent"


@pytest.mark.parametrize("index", range(7))
def test_cancel_from_each_question(flow: SelfCheck, index: int) -> None:
    step = run(flow, *(["no"] * index), "cancel")
    assert step.outcome == "cancelled" and step.intent_id == "selfcheck_cancelled"
    assert step.text == "Stopped." and step.choices == () and step.topics == ()


def test_a_choice_the_question_does_not_offer_re_asks_it(flow: SelfCheck) -> None:
    first = flow.start()
    assert flow.answer(first.state, "unsure") == first  # red flags are yes or no
    assert flow.answer(first.state, "maybe") == first


def test_the_flow_is_immutable(flow: SelfCheck) -> None:
    first = flow.start()
    second = flow.answer(first.state, "no")
    assert first.state.answers == () and second.state.answers == ("no",)
    with pytest.raises(AttributeError):
        first.state.answers = ("yes",)  # type: ignore[misc]


def test_notes_and_labels_are_filled(flow: SelfCheck) -> None:
    assert flow.note("timed_out") == "Timed out."
    assert flow.label("restart") == "Restart"


# --- the real wording never diagnoses ----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_flow() -> SelfCheck:
    bag = bag_for(PROJECT)
    content = load_selfcheck(PROJECT, bag)
    assert content is not None, bag.errors
    engine = Engine(load_content(MINI))
    return SelfCheck(
        content,
        {t: engine.urgent(Alert("red_flags", t, "x")).text for t in TIERS},
        engine.fill,
        engine.topics(),
    )


def test_real_summaries_never_diagnose(real_flow: SelfCheck) -> None:
    reds = ["no"] * len(real_flow.content.of_kind("red_flag"))
    rest = len(real_flow.questions) - len(reds)
    seen = 0
    for answers in itertools.product(("yes", "no", "unsure"), repeat=rest):
        step = run(real_flow, *reds, *answers)
        assert step.outcome == "summary"
        text = step.text.casefold()
        assert "not a diagnosis" in text
        assert text.count("diagnos") == text.count("not a diagnosis")  # only ever to say it is not one
        for claim in ("you have", "you've got", "you probably", "likely", "confirms", "it is hamstring"):
            assert claim not in text, (answers, claim)
        assert "{" not in step.text and "Contact: physio@example.org" in step.text  # {contact} filled
        assert "an assessment" in text
        seen += 1
    assert seen == 3**rest


def test_real_summary_example(real_flow: SelfCheck) -> None:
    step = run(real_flow, "no", "no", "no", "no", "no", "no", "yes", "no", "yes", "yes", "no")
    assert "You said yes to 2 of the 3 signs the blog describes:" in step.text
    assert "back pain" in step.text and "sciatic nerve" in step.text


def test_real_red_flag_yes_gives_the_urgent_answer_of_its_tier(real_flow: SelfCheck) -> None:
    reds = real_flow.content.of_kind("red_flag")
    assert [q.tier for q in reds] == sorted((q.tier for q in reds), key=TIERS.index)  # most urgent first
    assert {q.tier for q in reds} == set(TIERS)
    for index, question in enumerate(reds):
        step = run(real_flow, *(["no"] * index), "yes")
        assert step.outcome == "urgent" and step.tier == question.tier and question.tier is not None
        assert step.text == real_flow.urgent_texts[question.tier]


# --- engine and terminal ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    root = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(MINI, root)
    shutil.copy(REAL_FILE, root / "responses" / "_selfcheck.yaml")
    return Engine(load_content(root))


@pytest.fixture(scope="module")
def engine_without_check() -> Engine:
    return Engine(replace(load_content(MINI), selfcheck=None))


def test_for_engine(engine: Engine, engine_without_check: Engine) -> None:
    flow = SelfCheck.for_engine(engine)
    assert flow is not None
    assert flow.urgent_texts["soon"] == engine.urgent(Alert("red_flags", "soon", "x")).text
    assert flow.topics == engine.topics()
    assert SelfCheck.for_engine(engine_without_check) is None  # content loaded without the self-check


def test_step_reply(engine: Engine) -> None:
    flow = SelfCheck.for_engine(engine)
    assert flow is not None
    question = step_reply(flow.start())
    assert [b.intent_id for b in question.buttons] == ["sc:yes", "sc:no", "sc:cancel"]
    urgent = step_reply(flow.answer(flow.start().state, "yes"))
    assert urgent.kind == "urgent" and urgent.buttons == () and urgent.intent_id == "selfcheck_urgent"
    summary = step_reply(run(flow, *["no"] * 11))
    assert summary.buttons == engine.topics() and summary.intent_id == "selfcheck_summary"


def test_terminal_check_runs_to_the_summary(engine: Engine) -> None:
    check = TerminalCheck(engine)
    assert not check.running and check.wants("/check") and not check.wants("what is it")
    first = check.respond("/check")
    assert check.running and "Question 1 of 11" in first.plain() and "[2] No" in first.plain()
    for line_typed in ("2", "no", "No", "n", "2", "no"):  # numbers, words and labels all answer
        check.respond(line_typed)
    assert "Question 7 of 11" in check.respond("what?").plain()  # not understood: asked again
    for line_typed in ("1", "not sure", "yes", "yes", "no"):
        reply = check.respond(line_typed)
    assert not check.running and reply.intent_id == "selfcheck_summary"
    assert "You said yes to 2 of the 3 signs" in reply.plain() and reply.buttons == engine.topics()


def test_terminal_check_red_flag_cancel_and_restart(engine: Engine) -> None:
    check = TerminalCheck(engine)
    check.respond("/check")
    assert check.respond("yes").kind == "urgent" and not check.running
    check.respond("/check")
    check.respond("no")
    again = check.respond("/check")
    assert [b.label for b in again.buttons] == ["Start again", "Carry on"]
    assert "Question 2 of 11" in check.respond("2").plain()  # carry on
    check.respond("/check")
    assert "Question 1 of 11" in check.respond("1").plain()  # start again
    assert check.respond("/cancel").intent_id == "selfcheck_cancelled" and not check.running


def test_terminal_check_without_selfcheck_content(engine_without_check: Engine) -> None:
    check = TerminalCheck(engine_without_check)
    assert "isn't available" in check.respond("/check").text and not check.running


def test_every_kind_of_question_has_a_section_heading() -> None:
    assert tuple(SECTIONS) == KINDS
