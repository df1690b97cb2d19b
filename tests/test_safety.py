"""The safety layer: concept rules read on the whole message, negation, windows, vetoes, typos, numbers,
the checks an editor gets for a broken rule, and the shipped rules against our labelled safety set."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.content import load_content
from bot.engine import Engine
from bot.evaluation import evaluate, load_labelled
from bot.normalise import Synonyms
from bot.safety import Alert, Screener, check_examples, load_safety
from bot.settings import PROJECT_ROOT
from bot.yamlsource import Problems

RULES = """\
window: 6
negation_reach: 3
veto_reach: 2
negations: [no, not, never, havent, dont]
not_negations: [longer, sure]
clause_breaks: [but]
rewrites:
  wee bit: small bit
concepts:
  numb:
    - numb
    - tingling
    - cant feel
  saddle: [groin, saddle, bum]
  passes: [goes away]
  pee: [pee, bladder]
  trouble: [trouble, leaking]
  pop: [pop, popped]
  area: [hamstring]
  fever: [tempreading, fever]
  weight: [weightamount]
  lost: [lost]
  child: [childage, son]
  suicidal: [want to die]
  warning: [red flags]
rules:
  crisis:
    kind: crisis
    all: [suicidal]
    fires: [i want to die]
    stays_quiet: [i dont want to die]
  saddle_numbness:
    kind: red_flags
    tier: now
    all: [numb, saddle]
    unless: [passes]
    fires: [my groin is numb]
    stays_quiet: [no numbness in my groin]
  toilet:
    kind: red_flags
    tier: now
    all: [pee, trouble]
    fires: [trouble starting a pee]
    stays_quiet: [a wee bit of trouble]
  pop:
    kind: red_flags
    tier: today
    all: [pop, area]
    fires: [felt a pop in my hamstring]
    stays_quiet: [pop music]
  fever:
    kind: red_flags
    tier: today
    all: [fever]
    fires: [i have a fever]
    stays_quiet: [no fever]
  weight:
    kind: red_flags
    tier: soon
    all: [lost, weight]
    fires: [lost 8kg]
    stays_quiet: [lost my keys]
  child:
    kind: red_flags
    tier: today
    all: [child, pop]
    fires: [my 14yo felt a pop]
    stays_quiet: [my 40 year old friend]
  about:
    kind: about
    all: [warning]
    fires: [what are the red flags]
    stays_quiet: [what is it]
"""


def load(tmp_path: Path, text: str) -> tuple[Screener | None, list[str]]:
    """Load a safety file; the screener (when usable) and every problem as path:line: message."""
    path = tmp_path / "intents" / "_safety.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    bag = Problems(tmp_path)
    rules = load_safety(bag, path)
    screener = Screener(rules, Synonyms({"numb": ["numbness"], "pee": ["wee"]}), known={"cellulite"}) if rules else None
    if screener is not None:
        check_examples(bag, path, screener)
    return screener, [str(e) for e in bag.errors]


@pytest.fixture
def screener(tmp_path: Path) -> Screener:
    loaded, errors = load(tmp_path, RULES)
    assert errors == [] and loaded is not None
    return loaded


def rule_of(screener: Screener, text: str) -> str | None:
    alert = screener.screen(text)
    return alert.rule if alert else None


# --- reading a message -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("My GROIN has gone numb!!", "saddle_numbness"),
        ("numbness around the saddle", "saddle_numbness"),  # synonyms fold before concepts are found
        ("my groin is numb, but it goes away when I stand", None),  # the veto
        ("my groin is numb. I ran up the long hill twice and then, only then, it goes away", "saddle_numbness"),
        ("no numbness in my groin", None),
        ("I don't have any tingling in my groin", None),  # three words back: still negated
        ("I can no longer feel... my groin is numb", "saddle_numbness"),  # "no longer" is not a negation
        ("no pain at all but my groin is numb", "saddle_numbness"),  # a negation never crosses "but"
        ("numb feet. I ran ten miles on the hills, then went home and sat on the sofa for hours with my groin", None),
        ("a wee bit of trouble with my hamstring", None),  # the everyday phrase is rewritten first
        ("any pain? no - numbness in my groin though", "saddle_numbness"),  # a spaced dash ends a clause
        ("any pain? no — numbness in my groin though", "saddle_numbness"),
        ("any pain? no-numbness in my groin though", None),  # a hyphen inside words does not
        ("trouble starting a wee", "toilet"),
    ],
)
def test_concepts_negation_windows_and_rewrites(screener: Screener, text: str, rule: str | None) -> None:
    assert rule_of(screener, text) == rule


@pytest.mark.parametrize("breaks", ["[but]", "[but, even so]"])
def test_a_clause_break_of_one_word_or_several_ends_a_clause(tmp_path: Path, breaks: str) -> None:
    # One-word breaks are found word by word, a longer one by its pattern: both end the clause alike.
    loaded, errors = load(tmp_path, RULES.replace("clause_breaks: [but]", f"clause_breaks: {breaks}"))
    assert errors == [] and loaded is not None
    assert rule_of(loaded, "no pain but numb groin") == "saddle_numbness"
    assert rule_of(loaded, "no pain and numb groin") is None  # the negation reaches "numb"
    # Only a break the rules list ends the clause (a made-up phrasing: the break is what matters).
    assert rule_of(loaded, "no even so numb groin") == ("saddle_numbness" if "even so" in breaks else None)


def test_the_whole_message_is_read_far_past_the_matchers_cut(screener: Screener) -> None:
    story = "Long run on Sunday, felt fine, then hills, then coffee. " * 75 + "Now my groin is numb."
    assert len(story) > 4000
    assert rule_of(screener, story) == "saddle_numbness"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("temp is 38.5 degrees", "fever"),
        ("it was 101.2 F last night", "fever"),
        ("lost 8kg", "weight"),
        ("lost 7 kilos since june", "weight"),
        ("lost 3 minutes on my pb", None),
        ("lost ٨ kilos since june", "weight"),  # digits of other scripts are digits too
        ("my 14yo felt a pop", "child"),
        ("my son, aged 15, felt a pop", "child"),
        ("my 40 year old felt a pop", None),
    ],
)
def test_numbers_with_units_are_understood(screener: Screener, text: str, rule: str | None) -> None:
    assert rule_of(screener, text) == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("my groin is tinglng", "saddle_numbness"),  # one letter off a concept word
        ("felt a pop in my hammstring", "pop"),
        ("cellulite on my bum", None),  # a word the content knows is never "corrected"
        ("my groin is nub", None),  # short words are never corrected
    ],
)
def test_typos_reach_concept_words_but_never_change_known_words(
    screener: Screener, text: str, rule: str | None
) -> None:
    assert rule_of(screener, text) == rule


def test_rules_are_tried_crisis_first_then_by_tier(screener: Screener) -> None:
    assert screener.screen("felt a pop in my hamstring, I have a fever and my groin is numb") == Alert(
        "red_flags", "now", "saddle_numbness"
    )
    assert screener.screen("my groin is numb and I want to die") == Alert("crisis", None, "crisis")


def test_alert_kinds(screener: Screener) -> None:
    about = screener.screen("what are the red flags")
    assert about is not None and (about.intent_id, about.urgent, about.pressing) == ("red_flags", False, False)
    assert Alert("red_flags", "soon", "x").pressing is False
    assert Alert("red_flags", "today", "x").pressing and Alert("emergency", None, "x").pressing


def test_explain_shows_the_words_and_concepts_read(screener: Screener) -> None:
    assert screener.explain("my groin is numb") == "words: my groin is numb\nconcepts: saddle@1, numb@3"


# --- what an editor is told ---------------------------------------------------------------------------


def line_of(text: str, fragment: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if fragment in row)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    all: [numb, saddle]",
            "    all: [numb, groin]",
            "rule 'saddle_numbness': unknown concept 'groin' in 'all' (name a concept from concepts:, not a word)",
        ),
        (
            "    all: [numb, saddle]",
            "    all: []",
            "rule 'saddle_numbness': 'all' must list concepts, e.g. all: [altered_feeling, saddle_area]",
        ),
        ("    all: [numb, saddle]", "    all: [numb, []]", "rule 'saddle_numbness': 'all' item 2 is an empty group"),
        (
            "    tier: now\n    all: [numb, saddle]",
            "    all: [numb, saddle]  # no tier",
            "rule 'saddle_numbness': a red_flags rule needs a tier: now, today, soon",
        ),
        (
            "    kind: crisis",
            "    kind: danger",
            "rule 'crisis': kind 'danger' must be one of: crisis, emergency, red_flags, about",
        ),
        ("    kind: crisis", "    kind: crisis\n    tier: now", "rule 'crisis': only red_flags rules have a tier"),
        (
            "    fires: [my groin is numb]",
            "    fires: [my groin is sore]",
            "rule 'saddle_numbness' does not fire on its own example 'my groin is sore'",
        ),
        (
            "    stays_quiet: [no numbness in my groin]",
            "    stays_quiet: [numb groin]",
            "rule 'saddle_numbness' fires on 'numb groin', listed under stays_quiet",
        ),
        (
            "  passes: [goes away]",
            "  passes: goes away",
            "concept 'passes' must be a list of words and phrases, one per line",
        ),
        (
            "    unless: [passes]",
            "    unless: [passes]\n    colour: red",
            "rule 'saddle_numbness': unknown key 'colour' "
            "(expected one of: kind, tier, all, unless, window, unless_window, fires, stays_quiet)",
        ),
    ],
)
def test_a_broken_rule_is_one_plain_problem_at_its_line(tmp_path: Path, old: str, new: str, message: str) -> None:
    broken = RULES.replace(old, new, 1)
    assert broken != RULES
    fragment = new.splitlines()[-1] if "# no tier" not in new else "    kind: red_flags"
    _, errors = load(tmp_path, broken)
    assert errors == [f"intents/_safety.yaml:{line_of(broken, fragment)}: {message}"]


def test_the_old_trigger_style_bare_word_list_is_refused(tmp_path: Path) -> None:
    broken = RULES.replace("    all: [pop, area]", "    all: [[pop, popped], [hamstring]]")
    _, errors = load(tmp_path, broken)
    at = f"intents/_safety.yaml:{line_of(broken, 'all: [[pop, popped]')}: rule 'pop': unknown concept"
    assert errors == [
        f"{at} 'popped' in 'all' (name a concept from concepts:, not a word)",
        f"{at} 'hamstring' in 'all' (name a concept from concepts:, not a word)",
    ]


def test_a_missing_safety_file_is_an_error(tmp_path: Path) -> None:
    bag = Problems(tmp_path)
    assert load_safety(bag, tmp_path / "intents" / "_safety.yaml") is None
    assert [str(e) for e in bag.errors] == [
        "intents/_safety.yaml:0: file is missing: it holds the safety rules (red flags, crisis, emergencies)"
    ]


# --- the shipped rules ----------------------------------------------------------------------------------

SAFETY_SET = PROJECT_ROOT / "tests" / "data" / "safety.yaml"
ENGINE = Engine(load_content(PROJECT_ROOT))


def test_every_shipped_rule_has_examples_both_ways() -> None:
    assert ENGINE.content.safety is not None
    for rule in ENGINE.content.safety.rules.rules:
        assert rule.fires and rule.stays_quiet, rule.name


def test_our_safety_set_is_big_and_varied_enough() -> None:
    entries = yaml.safe_load(SAFETY_SET.read_text(encoding="utf-8"))
    kinds = Counter(e["kind"] for e in entries)
    assert len(entries) >= 150 and kinds["lookalike"] >= 50 and kinds["plain"] >= 50
    assert kinds["red_flag"] >= 100 and kinds["crisis"] >= 15 and kinds["emergency"] >= 15
    assert sum(len(e["text"]) > 600 for e in entries if e["kind"] == "red_flag") >= 10  # buried past the cut
    assert {e["tier"] for e in entries if e["kind"] == "red_flag"} == {"now", "today", "soon"}


def test_shipped_rules_catch_every_urgent_message_of_our_set() -> None:
    report = evaluate(ENGINE, load_labelled(SAFETY_SET))
    for label in ("red_flags", "crisis", "emergency"):
        hit, total = report.recall(label)
        assert hit == total, label
    hit, total = report.tiers
    assert hit == total


def test_look_alikes_and_plain_complaints_are_not_sent_to_urgent_care() -> None:
    entries = yaml.safe_load(SAFETY_SET.read_text(encoding="utf-8"))
    calm = [e for e in entries if e["kind"] in ("lookalike", "question", "plain")]
    urgent = [e["text"] for e in calm if ENGINE.decide(e["text"], e["chat"]).urgent]
    assert len(urgent) <= 0.02 * len(calm), urgent
    short = [e["text"] for e in entries if e["kind"] == "plain" and len(e["text"].split()) <= 6]
    assert len(short) >= 50
    assert [t for t in short if ENGINE.decide(t).urgent] == []


@pytest.mark.parametrize(
    "text",
    [
        "pain in the bum",
        "my bum hurts",
        "bum pain",
        "sore sit bone",
        "hammy aching after my run",
        "urgent: is the session on tonight?",
    ],
)
def test_an_ordinary_sore_bum_never_gets_the_emergency_answer(text: str) -> None:
    assert ENGINE.reply(text).kind not in ("urgent", "crisis", "emergency")


@pytest.mark.parametrize("name", ["safety_holdout.yaml", "safety_holdout2.yaml", "safety_holdout3.yaml"])
def test_other_authors_sets_stay_above_their_floor(name: str) -> None:
    """Sets written without sight of the rules (their first, unseen figures are in the closing note)."""
    report = evaluate(ENGINE, load_labelled(PROJECT_ROOT / "tests" / "data" / name))
    for label, floor in (("red_flags", 0.97), ("crisis", 0.95), ("emergency", 1.0)):
        hit, total = report.recall(label)
        assert hit >= floor * total, label
        alarms, others = report.false_alarms(label)
        assert alarms <= 0.02 * others, label


def test_a_message_no_concept_phrase_can_start_in_is_skipped_without_losing_a_mention(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screener = ENGINE.content.safety
    assert screener is not None
    sets = ("safety.yaml", "safety_holdout.yaml", "safety_holdout2.yaml", "safety_holdout3.yaml")
    texts = [e.text for name in sets for e in load_labelled(PROJECT_ROOT / "tests" / "data" / name)]
    texts += [text for rule in screener.rules.rules for text, _ in (*rule.fires, *rule.stays_quiet)]
    texts += [e for i in ENGINE.content.intents.values() for e in i.examples] + list(ENGINE.content.off_topic)
    read = [screener.mentions(t) for t in texts]
    assert sum(screener._read(t, whole=False) is None for t in texts) >= 100  # the short cut is tested
    monkeypatch.setattr(screener, "_may_start", lambda cleaned: True)  # the full reading of every message
    assert [screener.mentions(t) for t in texts] == read
