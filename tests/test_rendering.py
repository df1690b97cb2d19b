"""Turning a match into the reply: filled text and topic buttons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import load_content
from bot.engine import Engine
from bot.matching import Candidate, Match
from bot.parts import PartsMatch
from bot.rendering import Button, Renderer, Reply
from bot.safety import Alert
from testsupport.content_edit import set_rules

TOPIC_LABELS = [
    "What is it",
    "Symptoms",
    "Other diagnoses",
    "Causes",
    "Running technique",
    "Fixes",
    "Rehab",
    "Keep running",
    "Recovery time",
    "See someone",
    "Red flags",
]


@pytest.fixture
def renderer(mini_engine: Engine) -> Renderer:
    return mini_engine.renderer


def labels(reply: Reply) -> list[str]:
    return [b.label for b in reply.buttons]


# --- placeholders ----------------------------------------------------------------


def test_contact_snippet_is_filled(renderer: Renderer) -> None:
    assert renderer.answer("causes").text == "<b>Causes</b> answer.\nContact: physio@example.org"


def test_disclaimer_and_default_emergency_number_are_filled(renderer: Renderer) -> None:
    assert renderer.text("red_flags") == "Every urgent sign.\n<i>Not a diagnosis.</i>"
    assert renderer.text("urgent_now") == "Call 000 now."


def test_emergency_and_crisis_numbers_are_configurable(mini_dir: Path) -> None:
    renderer = Renderer(load_content(mini_dir), emergency_number="112", crisis_line="Samaritans 116 123")
    assert renderer.text("crisis") == "Call Samaritans 116 123 or 112."
    engine = Engine.load(mini_dir, emergency_number="999")
    assert "Call 999 now." in engine.reply("my groin is numb").text


def test_no_placeholder_is_left_in_any_answer(renderer: Renderer) -> None:
    for response_id in renderer.content.responses:
        assert "{" not in renderer.text(response_id), response_id


def test_fill_leaves_unknown_braces_alone(renderer: Renderer) -> None:
    assert renderer.fill("{contact} {other}") == "Contact: physio@example.org {other}"


# --- urgent ----------------------------------------------------------------------

NOW = Alert("red_flags", "now", "saddle_numbness")


def test_urgent_reply_leads_with_its_tier_then_every_sign(renderer: Renderer) -> None:
    for tier, lead in (("now", "Call 000 now."), ("today", "See a doctor today."), ("soon", "See a doctor this week.")):
        reply = renderer.render(Match("red_flags", 100.0, urgent=True, alert=Alert("red_flags", tier, "x")))
        assert (reply.kind, reply.tier, reply.intent_id) == ("urgent", tier, "red_flags")
        assert reply.text == lead + "\n\n" + renderer.text("red_flags")


def test_none_of_these_apply_answers_the_rest_of_the_message(renderer: Renderer) -> None:
    reply = renderer.render(Match("red_flags", 100.0, urgent=True, alert=NOW, rest="causes"))
    assert reply.buttons == (Button("None of these apply to me", "causes"),)
    nothing_else = renderer.render(Match("red_flags", 100.0, urgent=True, alert=NOW))
    assert nothing_else.buttons == (Button("None of these apply to me", "help"),)


def test_crisis_and_emergency_have_their_own_answers(renderer: Renderer) -> None:
    crisis = renderer.render(Match("crisis", 100.0, urgent=True, alert=Alert("crisis", None, "c"), rest="fixes"))
    assert (crisis.kind, crisis.text, crisis.buttons) == (
        "crisis",
        renderer.text("crisis"),
        (Button("I'm safe", "fixes"),),
    )
    emergency = renderer.render(Match("emergency", 100.0, urgent=True, alert=Alert("emergency", None, "e")))
    assert (emergency.kind, emergency.text) == ("emergency", renderer.text("emergency"))


def test_urgent_wins_over_ambiguity(renderer: Renderer) -> None:
    match = Match(
        "red_flags",
        70.0,
        (Candidate("causes", 70.0, "x"), Candidate("symptoms", 69.0, "y")),
        ambiguous=True,
        urgent=True,
        alert=NOW,
    )
    assert renderer.render(match).kind == "urgent"


def test_urgent_answer_in_a_group_is_full(renderer: Renderer) -> None:
    reply = renderer.render(Match("red_flags", 100.0, urgent=True, alert=NOW), chat="group")
    assert reply.text.startswith("Call 000 now.") and reply.kind == "urgent"


def test_the_red_flags_topic_and_urgent_command_list_the_signs_calmly(renderer: Renderer) -> None:
    reply = renderer.answer("red_flags")
    assert (reply.kind, reply.text) == ("answer", renderer.text("red_flags"))
    command = renderer.command("urgent")
    assert command is not None and (command.kind, command.text) == ("answer", renderer.text("red_flags"))


# --- answers ---------------------------------------------------------------------


def test_answer_offers_related_topics(renderer: Renderer) -> None:
    reply = renderer.render(Match("causes", 88.0))
    assert reply.kind == "answer"
    assert reply.buttons == (Button("Fixes", "fixes"), Button("See someone", "see_someone"))
    assert (reply.intent_id, reply.score) == ("causes", 88.0)


def test_answer_without_related_has_no_buttons(renderer: Renderer) -> None:
    assert renderer.answer("fixes").buttons == ()


def test_group_answer_uses_short_with_a_more_button(renderer: Renderer) -> None:
    reply = renderer.render(Match("symptoms", 90.0), chat="group")
    assert reply.text == "Short symptoms Contact: physio@example.org"
    assert reply.buttons[0] == Button("More on this", "symptoms")
    assert labels(reply) == ["More on this", "Fixes", "See someone"]


def test_private_answer_uses_the_full_text(renderer: Renderer) -> None:
    reply = renderer.render(Match("symptoms", 90.0))
    assert reply.text.startswith("<b>Symptoms</b> answer.")
    assert "More on this" not in labels(reply)


def test_group_answer_without_short_uses_the_full_text(renderer: Renderer) -> None:
    reply = renderer.answer("causes", chat="group")
    assert reply.text.startswith("<b>Causes</b> answer.")
    assert labels(reply) == ["Fixes", "See someone"]


def test_related_buttons_are_capped_by_max_related(make_content: Path) -> None:
    root = make_content
    set_rules(root, max_related=1)
    assert labels(Renderer(load_content(root)).answer("causes")) == ["Fixes"]


# --- did you mean ----------------------------------------------------------------

CLOSE = Match(
    "fixes",
    91.5,
    (Candidate("fixes", 91.5, "a"), Candidate("rehab", 90.0, "b"), Candidate("causes", 50.0, "c")),
    ambiguous=True,
    close=("fixes", "rehab"),
)


def test_close_runner_up_in_private_gets_the_answer_and_an_or_button_first(renderer: Renderer) -> None:
    reply = renderer.render(CLOSE, "private")
    assert (reply.kind, reply.intent_id, reply.text) == ("answer", "fixes", renderer.answer("fixes").text)
    assert reply.buttons[0] == Button("Or: Rehab", "rehab")
    assert not reply.answered  # a guess with an alternative: the log keeps its text to improve the content


def test_or_button_replaces_the_same_related_button(make_content: Path) -> None:
    root = make_content
    path = root / "intents" / "fixes.yaml"
    path.write_text(path.read_text() + "related: [rehab, see_someone]\n")
    renderer = Renderer(load_content(root))
    assert "rehab" in renderer.content.intents["fixes"].related
    reply = renderer.render(CLOSE, "private")
    assert [b.intent_id for b in reply.buttons].count("rehab") == 1
    assert reply.buttons[0].label == "Or: Rehab"


def test_clear_winner_has_no_or_button(renderer: Renderer) -> None:
    reply = renderer.render(Match("fixes", 91.5, CLOSE.candidates, ambiguous=False), "private")
    assert reply.buttons == renderer.answer("fixes").buttons
    assert not any(b.label.startswith("Or: ") for b in reply.buttons)


def test_close_runner_up_in_a_group_asks_which_was_meant(renderer: Renderer) -> None:
    match = CLOSE
    reply = renderer.render(match, "group")
    assert reply.kind == "ambiguous"
    assert reply.text == renderer.text("did_you_mean")
    assert reply.buttons == (Button("Fixes", "fixes"), Button("Rehab", "rehab"))


def test_did_you_mean_offers_at_most_three(renderer: Renderer) -> None:
    ids = ("fixes", "rehab", "causes", "symptoms")
    close = tuple(Candidate(i, 80.0, "x") for i in ids)
    reply = renderer.did_you_mean(Match("fixes", 80.0, close, ambiguous=True, close=ids))
    assert [b.intent_id for b in reply.buttons] == ["fixes", "rehab", "causes"]


def test_did_you_mean_offers_the_matchers_close_intents_only(renderer: Renderer) -> None:
    # The renderer applies no margin of its own: what is close is the matcher's decision.
    far = Match("fixes", 91.5, CLOSE.candidates, ambiguous=True, close=("fixes", "causes"))
    assert renderer.did_you_mean(far).buttons == (Button("Fixes", "fixes"), Button("Causes", "causes"))


# --- fallback --------------------------------------------------------------------


def test_no_intent_gets_the_fallback_with_every_topic(renderer: Renderer) -> None:
    reply = renderer.render(Match(None, 12.0))
    assert (reply.kind, reply.intent_id, reply.score) == ("fallback", None, 12.0)
    assert reply.text == renderer.text("fallback")
    assert labels(reply) == TOPIC_LABELS


def test_fallback_offers_the_best_guesses_first_then_the_other_topics(renderer: Renderer) -> None:
    guesses = (
        Candidate("rehab", 25.0, "a"),
        Candidate("greeting", 24.0, "b"),
        Candidate("red_flags", 23.0, "c"),
        Candidate("fixes", 20.0, "d"),
        Candidate("causes", 16.0, "e"),
        Candidate("symptoms", 15.5, "f"),
        Candidate("what_is_it", 3.0, "g"),
    )
    reply = renderer.render(Match(None, 25.0, guesses))
    assert reply.kind == "fallback" and reply.text == renderer.text("fallback")
    # Social intents and the urgent answer are never guesses; at most three lead; each topic once.
    assert labels(reply)[:3] == ["Rehab", "Fixes", "Causes"]
    assert sorted(labels(reply)) == sorted(TOPIC_LABELS)


def test_fallback_guesses_need_the_guess_floor(renderer: Renderer) -> None:
    floor = renderer.content.rules.guess_floor
    reply = renderer.render(Match(None, floor - 1, (Candidate("rehab", floor - 1, "a"),)))
    assert labels(reply) == TOPIC_LABELS


def test_topics_leave_out_greeting_thanks_and_help(renderer: Renderer) -> None:
    assert not {"greeting", "thanks", "help"} & {b.intent_id for b in renderer.topics()}


def test_added_topics_come_after_the_core_ones(make_content: Path) -> None:
    root = make_content
    (root / "intents" / "sitting.yaml").write_text("id: sitting\nresponse: sitting\nexamples: [can i sit]\n")
    (root / "responses" / "sitting.yaml").write_text("id: sitting\ntitle: Sitting\ntext: Sit less.\n")
    assert labels(Renderer(load_content(root)).fallback()) == [*TOPIC_LABELS, "Sitting"]


# --- plain text ------------------------------------------------------------------


def test_plain_numbers_the_buttons_and_drops_tags(renderer: Renderer) -> None:
    plain = renderer.answer("causes").plain()
    assert plain == "Causes answer.\nContact: physio@example.org\n  [1] Fixes\n  [2] See someone"
    assert "<" not in plain


def test_plain_unescapes_entities() -> None:
    assert Reply("<b>Tom &amp; Jerry</b>").plain() == "Tom & Jerry"


def test_plain_fallback_lists_every_topic(renderer: Renderer) -> None:
    plain = renderer.fallback().plain()
    for number, label in enumerate(TOPIC_LABELS, 1):
        assert f"  [{number}] {label}" in plain


# --- two-part replies ------------------------------------------------------------


def test_two_part_reply_heads_each_part_with_its_title_and_says_the_contact_once(renderer: Renderer) -> None:
    reply = renderer.render(PartsMatch("fixes", 70.0, parts=("causes", "fixes")))
    # Only a line that is all bold is an answer's own heading, replaced by the title: these keep theirs.
    assert (
        reply.text == "<b>Causes</b>\n<b>Causes</b> answer.\n\n<b>Fixes</b>\n<b>Fixes</b> answer.\n"
        "Contact: physio@example.org"
    )
    assert (reply.intent_id, reply.also, reply.kind) == ("causes", ("fixes",), "answer")


def test_two_part_follow_ups_leave_out_what_was_answered(renderer: Renderer) -> None:
    reply = renderer.render(PartsMatch("causes", 70.0, parts=("causes", "fixes")))
    assert labels(reply) == ["See someone"]  # causes' related: fixes (answered) and see_someone


def test_two_part_reply_in_a_group_uses_short_forms_with_each_full_answer_a_tap_away(renderer: Renderer) -> None:
    reply = renderer.render(PartsMatch("symptoms", 70.0, parts=("symptoms", "causes")), chat="group")
    assert (
        reply.text == "<b>Symptoms</b>\nShort symptoms Contact: physio@example.org\n\n<b>Causes</b>\n"
        "<b>Causes</b> answer.\nContact: physio@example.org"
    )
    assert reply.buttons[:2] == (Button("More: Symptoms", "symptoms"), Button("More: Causes", "causes"))
    assert "causes" not in [b.intent_id for b in reply.buttons[2:]]
    assert len(reply.buttons) <= renderer.content.rules.max_related + 1


def test_a_snippet_two_parts_share_is_said_once(tmp_path: Path, mini_dir: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(mini_dir, root)
    snippets = root / "responses" / "_snippets.yaml"
    snippets.write_text(snippets.read_text().replace("physio@example.org", "x") + 'assess: "Get assessed."\n')
    for name in ("causes", "fixes"):
        (root / "responses" / f"{name}.yaml").write_text(
            f"id: {name}\ntitle: {name.title()}\ntext: |\n"
            f"  <b>{name}</b>\n  {name} body.\n  {{assess}}\n  {{contact}}\n"
        )
    reply = Renderer(load_content(root)).parts(("causes", "fixes"))
    assert reply.text == "<b>Causes</b>\ncauses body.\nGet assessed.\n\n<b>Fixes</b>\nfixes body.\nContact: x"


def test_a_two_part_reply_too_long_for_telegram_is_the_first_answer_with_the_second_as_a_button(
    tmp_path: Path, mini_dir: Path
) -> None:
    root = tmp_path / "content"
    shutil.copytree(mini_dir, root)
    for name in ("causes", "fixes"):
        (root / "responses" / f"{name}.yaml").write_text(
            f"id: {name}\ntitle: {name.title()}\ntext: |\n  {'word ' * 700}\n  {{contact}}\n"
        )
    renderer = Renderer(load_content(root))
    reply = renderer.parts(("causes", "fixes"))
    assert reply.text == renderer.answer("causes").text and reply.also == ()
    assert reply.buttons[0] == Button("Fixes", "fixes")


def test_urgent_and_ambiguous_matches_never_render_two_parts(renderer: Renderer) -> None:
    alert = Alert("red_flags", "now", "x")
    urgent = PartsMatch("red_flags", 100.0, urgent=True, alert=alert, parts=("red_flags", "causes"))
    assert renderer.render(urgent).kind == "urgent"
    assert (
        renderer.render(PartsMatch("crisis", 100.0, alert=Alert("crisis", None, "x"), parts=("crisis", "causes"))).kind
        == "crisis"
    )
    choice = PartsMatch("causes", 50.0, (Candidate("causes", 50.0, ""), Candidate("fixes", 49.0, "")), ambiguous=True)
    assert renderer.render(choice).also == ()
    assert renderer.render(choice, chat="group").kind == "ambiguous"


def test_a_full_answer_carries_its_picture_and_a_group_short_answer_does_not(renderer: Renderer) -> None:
    full = renderer.answer("running_technique")
    assert (full.image, full.image_alt) == ("images/sit-bone.png", "Diagram: a test picture.")
    assert full.plain().splitlines()[-1] == "[picture: images/sit-bone.png: Diagram: a test picture.]"
    short = renderer.answer("running_technique", "group")
    assert short.image is None and "[picture:" not in short.plain()


# --- what the question log counts as answered -------------------------------------


def test_a_reply_is_answered_only_for_a_confident_match_given_as_an_answer(renderer: Renderer) -> None:
    clear = Match("fixes", 91.5, CLOSE.candidates, ambiguous=False)
    assert renderer.render(clear, "private").answered
    assert renderer.render(clear, "group").answered
    assert renderer.render(PartsMatch("causes", 70.0, parts=("causes", "fixes"))).answered
    assert renderer.render(Match("red_flags", 100.0, urgent=True, alert=NOW)).answered
    assert not renderer.render(CLOSE, "private").answered  # answered with an "Or:" button: a guess
    assert not renderer.render(CLOSE, "group").answered  # asked which was meant
    assert not renderer.render(Match(None, 12.0)).answered  # the fallback
    assert not renderer.fallback().answered and not renderer.did_you_mean(CLOSE).answered
    assert renderer.answer("fixes").answered  # a topic the person chose (a button, an inline card)


def test_a_snippet_gets_the_shared_snippets_then_the_values_the_bot_knows(renderer: Renderer) -> None:
    assert renderer.snippet("stats_period_empty", days=7) == "Last 7 days: no questions"
    assert renderer.snippet("admin_log_dropped", dropped=3).endswith(
        "3 record(s) could not be saved since the bot started."
    )
    assert renderer.snippet("stats_period_empty") == "Last {days} days: no questions"  # a value not given stays visible
