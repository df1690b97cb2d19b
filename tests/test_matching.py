"""Deciding which intent a message asks about, on the mini content."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.content import OFF_TOPIC, load_content
from bot.engine import Engine
from bot.matching import MODEL_SHARE, Match, Matcher, PhraseSet, fuse
from testsupport.content_edit import set_rules

MINI_EXAMPLES = [
    (intent_id, example)
    for intent_id, examples in {
        "causes": ["what causes it", "why did i get this"],
        "fixes": ["how do i fix it", "what is the treatment"],
        "greeting": ["hello", "good morning"],
        "help": ["what can you do", "help"],
        "keep_running": ["can i still run", "should i rest completely"],
        "other_diagnoses": ["could it be my back instead", "is it sciatica"],
        "recovery_time": ["how long will it take to heal", "will it ever go away"],
        "rehab": ["what exercises should i do", "should i strengthen my glutes"],
        "running_technique": ["what is overstriding", "how should i change my running form"],
        "see_someone": ["who should i see", "how do i contact the physio"],
        "symptoms": ["how do i know if i have it", "where does it hurt"],
        "thanks": ["thanks", "bye"],
        "what_is_it": ["what is high hamstring tendinopathy", "what does pht mean"],
    }.items()
    for example in examples
]


@pytest.fixture
def matcher(mini_engine: Engine) -> Matcher:
    return mini_engine.matcher


def test_every_mini_example_is_listed(mini_engine: Engine) -> None:
    listed = {(i.id, e) for i in mini_engine.content.intents.values() for e in i.examples}
    assert listed == set(MINI_EXAMPLES)


@pytest.mark.parametrize(("intent_id", "example"), MINI_EXAMPLES)
def test_each_example_matches_its_own_intent(matcher: Matcher, intent_id: str, example: str) -> None:
    match = matcher.match(example)
    assert match.intent_id == intent_id
    assert not match.ambiguous


def test_match_records_the_deciding_example(matcher: Matcher) -> None:
    match = matcher.match("Why did I get this??")
    assert match.intent_id == "causes"
    assert match.example == "why did i get this"
    assert match.candidates[0].intent_id == "causes"


def test_candidates_are_ranked_best_first(matcher: Matcher) -> None:
    scores = [c.score for c in matcher.match("how do i fix it").candidates]
    assert scores == sorted(scores, reverse=True)


def test_typos_are_tolerated(matcher: Matcher) -> None:
    assert matcher.match("what is ovrstriding").intent_id == "running_technique"


def test_synonyms_are_applied_before_matching(matcher: Matcher) -> None:
    assert matcher.match("cheers").intent_id == "thanks"


# --- red flags belong to the safety layer ----------------------------------------


@pytest.mark.parametrize("text", ["my groin is numb", "what are the red flags", "I can't control my bladder"])
def test_the_matcher_never_picks_the_urgent_intent(matcher: Matcher, text: str) -> None:
    match = matcher.match(text)
    assert match.intent_id != "red_flags" and not match.urgent
    assert all(c.intent_id != "red_flags" for c in match.candidates)


def test_ordinary_answers_are_not_urgent(matcher: Matcher) -> None:
    assert matcher.match("what causes it").urgent is False


# --- no intent ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["my knee hurts", "what causes my knee pain", "Knee!!"])
def test_off_topic_word_without_domain_word_has_no_intent(matcher: Matcher, text: str) -> None:
    assert matcher.match(text) == Match(None, 0.0)


def test_off_topic_word_stops_even_an_exact_example(matcher: Matcher) -> None:
    assert matcher.match("what causes it, knee").intent_id is None


def test_off_topic_plural_stops_an_exact_example_too(matcher: Matcher) -> None:
    assert matcher.match("what causes it, knees").intent_id is None


@pytest.mark.parametrize(
    "text",
    [
        "asdf qwer zxcv",
        "sdfkj",
        "¿Dónde me duele la pierna?",
        "这是什么",
        "Was ist das?",
        "",
        "   ",
        "😀😀🔥",
        "x" * 10_000,
        "lorem ipsum " * 900,
        "\x00\x01\x02",
    ],
)
def test_nonsense_foreign_empty_and_huge_messages_get_no_intent(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).intent_id is None


def test_a_huge_message_is_read_only_up_to_max_chars(matcher: Matcher) -> None:
    """A pasted essay is matched on its start: what follows max_chars cannot change the answer."""
    start = "why does my hamstring hurt when I sit on hard chairs after running uphill " * 10
    cut = matcher.rules.max_chars
    assert len(start) > cut
    assert matcher.match(start + "thanks so much " * 500) == matcher.match(start[:cut])


def write_rules(root: Path, **values: float) -> None:
    """The mini rules with a group threshold of 75 and a margin of 4, and these changes."""
    set_rules(root, **{"group_threshold": 75, "margin": 4, **values})


def test_below_threshold_has_no_intent_but_keeps_candidates(make_content: Path) -> None:
    root = make_content
    write_rules(root, threshold=100)
    match = Matcher(load_content(root)).match("what is hamstring tendinopathy")
    assert match.intent_id is None
    assert 0 < match.score < 100
    assert match.candidates[0].intent_id == "what_is_it"
    assert match.example is None


def test_at_or_above_threshold_is_answered(make_content: Path) -> None:
    root = make_content
    write_rules(root, threshold=1)
    assert Matcher(load_content(root)).match("what is hamstring tendinopathy").intent_id == "what_is_it"


# --- ambiguity ------------------------------------------------------------------


@pytest.fixture
def ambiguous_engine(ambiguous_content: Path) -> Engine:
    return Engine.load(ambiguous_content)


def test_close_runner_up_makes_the_match_ambiguous(ambiguous_engine: Engine) -> None:
    match = ambiguous_engine.matcher.match("how do I treat my hamstring")
    assert match.ambiguous and match.runner_up is not None
    assert {match.intent_id, match.runner_up.intent_id} == {"fixes", "rehab"}
    assert match.score - match.runner_up.score < ambiguous_engine.content.rules.margin


def test_clear_winner_is_not_ambiguous(ambiguous_engine: Engine) -> None:
    match = ambiguous_engine.matcher.match("glute bridges and squats")
    assert (match.intent_id, match.ambiguous) == ("rehab", False)


# --- groups ---------------------------------------------------------------------


@pytest.mark.parametrize("text", ["hello", "good morning", "thanks", "help"])
def test_unaddressed_social_message_in_group_has_no_intent(matcher: Matcher, text: str) -> None:
    assert matcher.match(text, chat="group", addressed=False).intent_id is None


@pytest.mark.parametrize("text", ["hello", "thanks"])
def test_addressed_social_message_in_group_is_answered(matcher: Matcher, text: str) -> None:
    assert matcher.match(text, chat="group", addressed=True).intent_id is not None


def test_an_addressed_group_message_may_be_social(make_content: Path) -> None:
    root = make_content
    (root / "intents" / "greeting.yaml").write_text(
        "id: greeting\nresponse: greeting\nexamples: [hello, good morning, hello bot]\n"
    )
    matcher = Matcher(load_content(root))
    assert matcher.match("Hello BOT!", chat="group", addressed=True).intent_id == "greeting"
    assert matcher.match("Hello BOT!", chat="group", addressed=False).intent_id is None


@pytest.fixture
def strict_group_matcher(make_content: Path) -> Matcher:
    """Easy to answer in private, hard in an unaddressed group unless the message is on our topic."""
    root = make_content
    write_rules(root, threshold=5, group_threshold=6, group_threshold_off_domain=99.9)
    return Matcher(load_content(root))


def test_unaddressed_off_domain_group_message_needs_the_higher_threshold(strict_group_matcher: Matcher) -> None:
    text = "what is the treatment plan"  # no domain word
    assert strict_group_matcher.match(text).intent_id == "fixes"
    assert strict_group_matcher.match(text, chat="group", addressed=True).intent_id == "fixes"
    assert strict_group_matcher.match(text, chat="group", addressed=False).intent_id is None


def test_off_domain_runners_up_need_only_the_threshold_to_be_offered(make_content: Path) -> None:
    root = make_content
    write_rules(root, threshold=1, threshold_off_domain=99)
    match = Matcher(load_content(root)).match("what is the treatment plan")  # no domain word
    assert match.intent_id is None and match.answerable == ()
    write_rules(root, threshold=1, threshold_off_domain=2)
    match = Matcher(load_content(root)).match("what is the treatment plan")
    runners = [c.intent_id for c in match.candidates[1:] if c.score >= 1]
    assert match.answerable == ("fixes", *runners) and runners


def test_a_confident_match_has_an_intent_and_no_close_runner_up() -> None:
    assert Match("causes", 70.0).confident
    assert not Match("causes", 70.0, ambiguous=True).confident
    assert not Match(None, 20.0).confident


def test_answerable_intents_are_the_intent_then_runners_up_above_the_threshold(make_content: Path) -> None:
    root = make_content
    write_rules(root, threshold=20)
    match = Matcher(load_content(root)).match("how do i fix it and what is the treatment")
    assert match.answerable[0] == match.intent_id
    assert match.answerable[1:] == tuple(c.intent_id for c in match.candidates[1:] if c.score >= 20)


def test_unaddressed_on_topic_group_message_uses_the_group_threshold(strict_group_matcher: Matcher) -> None:
    text = "what is hamstring tendinopathy"  # "hamstring" is a domain word
    assert strict_group_matcher.match(text, chat="group", addressed=False).intent_id == "what_is_it"


def test_exact_on_topic_example_is_answered_in_a_group(matcher: Matcher) -> None:
    assert matcher.match("what is high hamstring tendinopathy", chat="group", addressed=False).intent_id == "what_is_it"


# --- determinism ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["what causes it", "how long till it heals", "asdf", "my groin is numb"])
def test_same_input_gives_the_same_match(mini_dir: Path, matcher: Matcher, text: str) -> None:
    fresh = Matcher(load_content(mini_dir))
    assert matcher.match(text) == matcher.match(text) == fresh.match(text)


def causes_score(match: Match) -> float:
    return next(c.score for c in match.candidates if c.intent_id == "causes")


def test_keyword_adds_its_bonus(make_content: Path) -> None:
    root = make_content
    text = "what causes sitting pain"
    without = Matcher(load_content(root)).match(text)
    (root / "intents" / "causes.yaml").write_text(
        "id: causes\nresponse: causes\nkeywords: [sitting]\nexamples:\n  - what causes it\n  - why did i get this\n"
    )
    content = load_content(root)
    with_keyword = Matcher(content).match(text)
    expected = min(100.0, causes_score(without) + content.rules.keyword_bonus)
    assert causes_score(with_keyword) == pytest.approx(expected, abs=0.2)
    assert with_keyword.candidates[0].intent_id == "causes"


def _add_keywords(root: Path, intent_id: str, keywords: str) -> None:
    path = root / "intents" / f"{intent_id}.yaml"
    path.write_text(path.read_text().replace("examples:", f"keywords: {keywords}\nexamples:", 1))


def test_keyword_inside_a_longer_keyword_of_another_intent_still_counts(make_content: Path) -> None:
    # "tendon" (rehab) is the start of "tendon pain" (fixes): both intents earn their bonus.
    _add_keywords(make_content, "rehab", "[tendon]")
    _add_keywords(make_content, "fixes", "[tendon pain]")
    matcher = Engine.load(make_content).matcher
    keyworded = matcher._keyword_intents(["tendon", "pain"])
    assert keyworded == {"rehab", "fixes"}
    ranked = {c.intent_id: c.score for c in matcher.rank("tendon pain", ["tendon", "pain"], keyworded)}
    assert ranked["rehab"] >= matcher.rules.keyword_bonus
    assert ranked["fixes"] >= matcher.rules.keyword_bonus


def test_unknown_words_weigh_little_so_a_long_story_keeps_its_topic(matcher: Matcher) -> None:
    short = matcher.match("how long will it take to heal")
    story = matcher.match(
        "so my cousin's friend who plays netball on thursdays asked about my hamstring: how long will it take to heal"
    )
    assert story.intent_id == short.intent_id == "recovery_time"


def test_a_message_mostly_of_unknown_words_has_no_intent_without_a_topic_word(matcher: Matcher) -> None:
    assert matcher.match("vamos a correr mañana por el parque, quién viene").intent_id is None
    assert matcher.match("will it heal, lorem ipsum dolor sit amet").intent_id is None


def test_off_topic_examples_compete_and_silence_what_fits_them(make_content: Path) -> None:
    question = "can i still run in new shoes"
    set_rules(make_content, threshold=10, min_known_share=0)
    before = Engine.load(make_content).decide(question)
    (make_content / "intents" / "_off_topic.yaml").write_text(
        "examples:\n  - can i still run in my new shoes\n  - new shoes for running\n"
    )
    after = Engine.load(make_content).decide(question)
    assert before.intent_id is not None
    assert after.intent_id is None
    assert all(c.intent_id != "_off_topic" for c in after.candidates)


# --- no letters, no intent ----------------------------------------------------------


@pytest.mark.parametrize("text", ["2", "10", "?!", "...", "🔥🔥🔥", "👍", "3/10 :(", "  "])
def test_a_message_without_letters_has_no_intent(matcher: Matcher, text: str) -> None:
    assert matcher.match(text).intent_id is None


# --- the fusion rule ----------------------------------------------------------------


def test_fused_score_is_the_written_mix_of_lexical_score_and_model_probability() -> None:
    assert fuse(0.0, 0.0) == 0.0
    assert fuse(100.0, 1.0) == pytest.approx(100.0)
    assert fuse(80.0, 0.5) == pytest.approx((1 - MODEL_SHARE) * 80 + MODEL_SHARE * 50)


def test_every_candidate_score_follows_the_fusion_rule(matcher: Matcher, monkeypatch: pytest.MonkeyPatch) -> None:
    text = "what causes the pain"
    words = text.split()
    fused = {c.intent_id: c.score for c in matcher.rank(text, words, set())}
    learned = matcher._model.probabilities(words, words)
    monkeypatch.setattr("bot.matching.MODEL_SHARE", 0.0)
    lexical = {c.intent_id: c.score for c in matcher.rank(text, words, set())}
    for intent_id, score in fused.items():
        expected = (1 - MODEL_SHARE) * lexical.get(intent_id, 0.0) + MODEL_SHARE * 100 * learned[intent_id]
        assert score == pytest.approx(expected, abs=0.11)


def test_the_off_topic_examples_are_one_more_class_of_the_model(make_content: Path) -> None:
    (make_content / "intents" / "_off_topic.yaml").write_text("examples:\n  - new shoes for running\n")
    model = Engine.load(make_content).matcher._model
    assert OFF_TOPIC in model.classes
    probabilities = model.probabilities(["new", "shoes"], ["new", "shoe"])
    assert max(probabilities, key=probabilities.__getitem__) == OFF_TOPIC


# --- determinism with the shipped content --------------------------------------------


def test_the_shipped_content_gives_the_same_answers_on_every_build() -> None:
    content = load_content(Path(__file__).resolve().parent.parent)
    first, second = Matcher(content), Matcher(load_content(content.root))
    texts = [
        "my bum hurts when i sit",
        "how long till i can race",
        "pub after parkrun?",
        "2",
        "hammy niggle",
        "should i stretch it",
        "who do i see",
    ]
    assert [first.match(t) for t in texts] == [second.match(t) for t in texts]


def test_answers_do_not_depend_on_what_the_word_caches_remember(
    mini_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The matcher remembers each word's and word pair's reading; emptied when full, it reads them anew alike.
    texts = [
        "my bum hurts when i sit",
        "hamstrng pain after hills",
        "how long till i can race",
        "cheers",
        "who do i see",
    ]
    expected = [Matcher(mini_engine.content).match(t) for t in texts]
    monkeypatch.setattr("bot.matching.CACHED_WORDS", 3)
    forgetful = Matcher(mini_engine.content)
    assert [forgetful.match(t) for t in texts + texts] == expected + expected


def test_a_very_long_word_is_read_afresh_each_time_not_remembered(mini_engine: Engine) -> None:
    # A run-together paste is one word of hundreds of characters: its record would cost tens of KB to keep.
    matcher, long_word = Matcher(mini_engine.content), "hamstring" * 50
    first = matcher.match(f"bum {long_word}")
    assert matcher.match(f"bum {long_word}") == first
    assert "bum" in matcher._word_cache and long_word not in matcher._word_cache


# --- an exact example answers its own intent ---------------------------------------------


def test_a_message_that_is_exactly_an_example_scores_100_for_its_intent(make_content: Path) -> None:
    path = make_content / "intents" / "help.yaml"
    path.write_text(path.read_text().replace("examples:", "examples:\n  - where do i start", 1))
    matcher = Engine.load(make_content).matcher
    match = matcher.match("Where do I start??")
    assert (match.intent_id, match.score, match.example) == ("help", 100.0, "where do i start")
    assert all(c.intent_id != "help" for c in match.candidates[1:])


def test_a_message_that_is_exactly_an_off_topic_example_has_no_intent(make_content: Path) -> None:
    (make_content / "intents" / "_off_topic.yaml").write_text("examples:\n  - what causes traffic jams\n")
    assert Engine.load(make_content).matcher.match("What causes traffic jams?").intent_id is None


def test_a_phrasing_written_in_two_intents_is_left_to_the_scorers(ambiguous_engine: Engine) -> None:
    match = ambiguous_engine.matcher.match("how do I treat my hamstring")
    assert match.score < 100.0 and match.ambiguous


def test_answers_do_not_depend_on_the_process_string_hashing() -> None:
    # Sets of strings iterate in a different order in every process (PYTHONHASHSEED); nothing the
    # matcher sums may depend on it, or two runs of the bot could answer the same message apart.
    code = (
        "from pathlib import Path\n"
        "import numpy as np\n"
        "from bot.engine import Engine\n"
        "from bot.normalise import normalise, stem\n"
        "m = Engine.load(Path('.')).matcher\n"
        "for text in ['my bum hurts when i sit at work', 'how long till i can race again', 'pub after parkrun?',\n"
        "             'hammy niggle after hill reps, should i stretch it', 'who do i see', 'cheers mate']:\n"
        "    plain = normalise(text, m.content.synonyms).split()\n"
        "    words = [stem(w) for w in plain]\n"
        "    known, total, _ = m._query(m._read(plain, words))\n"
        "    rows = np.array([f.row for f in known], dtype=np.intp)\n"
        "    print(repr(m.match(text)), m._model.probabilities(plain, words), total,\n"
        "          m._evidence(rows, total), m._overlap_scores(known, rows, total).max())\n"
    )
    root = Path(__file__).resolve().parent.parent
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and runs[0]


def test_phrases_are_found_as_whole_words_in_order() -> None:
    phrases = PhraseSet((" knee ", " hip pain "))
    assert phrases.found_in(["my", "knee", "hurts"])
    assert phrases.found_in(["sore", "hip", "pain", "again"])
    assert not phrases.found_in(["pain", "in", "my", "hip"])  # both words, not the phrase
    assert not phrases.found_in(["kneel", "hip"])
    assert not PhraseSet(()).found_in(["knee"])


def test_an_ambiguous_match_names_every_intent_within_the_margin_best_first(ambiguous_content: Path) -> None:
    rules = load_content(ambiguous_content).rules
    match = Matcher(load_content(ambiguous_content)).match("how do i treat my hamstring")
    assert match.ambiguous
    within = tuple(c.intent_id for c in match.candidates if match.score - c.score < rules.margin)
    assert match.close == within and set(match.close) >= {"fixes", "rehab"} and match.close[0] == match.intent_id


def test_a_clear_match_has_nothing_close(matcher: Matcher) -> None:
    match = matcher.match("what causes it")
    assert match.intent_id == "causes" and not match.ambiguous and match.close == ()
