"""The content painbot ships with: it loads, every example finds its own intent, every answer sends."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.content import CORE_INTENTS, SYSTEM_RESPONSES, TELEGRAM_LIMIT, URGENT_SCREEN, load_content
from bot.engine import Engine
from bot.evaluation import known_labels, load_labelled
from bot.htmlcheck import html_problems, to_plain
from bot.imagecheck import image_size, photo_problems
from bot.safety import Alert
from bot.settings import PROJECT_ROOT
from bot.tips import Tip

ENGINE = Engine.load(PROJECT_ROOT, emergency_number="000")
CONTENT = ENGINE.content
EXAMPLES = [(i.id, e) for i in CONTENT.intents.values() for e in i.examples]
# Answers that give guidance carry the physio's contact line; these do not.
NO_CONTACT = {"greeting", "thanks", "help", "red_flags", *SYSTEM_RESPONSES}
# These say plainly that this is general information, not a diagnosis.
WITH_DISCLAIMER = ("greeting", "help", "symptoms", "other_diagnoses")
BLOG = Path(__file__).resolve().parents[2] / "shared" / "seed" / "blog.txt"
# No run of this many words in a row may come from the blog: the answers are in the project's own words.
COPY_RUN = 6
# The blog's own names for things, which the answers may use as they are (besides the contact line).
BLOG_TERMS = ("hamstring origin tendon pain", "proximal hamstring tendinopathy", "high hamstring tendinopathy")
GUIDANCE = sorted(set(CONTENT.intents) - NO_CONTACT - set(CONTENT.rules.social_intents))
# Phrasings held out from the content (issue 9): measured with `painbot eval`, never tuned on.
MATCHING_HOLDOUT = Path(__file__).parent / "data" / "matching_holdout.yaml"
# A second held-out set by another author, so the figures do not rest on one writer's style.
MATCHING_HOLDOUT2 = Path(__file__).parent / "data" / "matching_holdout2.yaml"
# Errands and quizzes for a general assistant, none of them in intents/ or the held-out file: the bot
# must leave them alone however "book" or a country's name reads (issue 9).
ERRANDS_AND_TRIVIA = [
    "reserve me a seat on the 8am ferry",
    "what's the tallest building in Dubai",
    "how many teaspoons in a tablespoon",
    "translate see you tomorrow into Dutch",
    "order a large pepperoni for delivery",
    "book a table at the thai place for friday",
    "what is the capital of Kenya",
    "what's 9 times 12",
    "can you book tickets to the footy",
]


def test_shipped_content_loads_without_problems() -> None:
    content = load_content(PROJECT_ROOT)
    assert set(CORE_INTENTS) <= set(content.intents)
    assert set(SYSTEM_RESPONSES) <= set(content.responses)
    assert content.selfcheck is not None and content.tips is not None
    assert [w for w in content.warnings if "nearly the same" in w.message] == []
    assert [w for w in content.warnings if "{contact" in w.message] == [], "every guidance answer names the physio"


@pytest.mark.parametrize(("intent_id", "example"), EXAMPLES)
def test_every_example_matches_its_own_intent(intent_id: str, example: str) -> None:
    match = ENGINE.decide(example, "private")
    assert match.intent_id == intent_id, f"{example!r} -> {match.intent_id} ({match.score})"


@pytest.mark.parametrize(("path", "size"), [(MATCHING_HOLDOUT, 150), (MATCHING_HOLDOUT2, 200)])
def test_the_held_out_phrasings_carry_known_labels_and_raise_no_alarm(path: Path, size: int) -> None:
    items = load_labelled(path, known_labels(ENGINE))
    assert len(items) >= size
    assert [i.text for i in items if ENGINE.decide(i.text, i.chat).urgent] == []


@pytest.mark.parametrize("text", ERRANDS_AND_TRIVIA)
def test_errands_and_trivia_are_left_alone(text: str) -> None:
    match = ENGINE.decide(text, "private")
    assert match.intent_id is None, f"{text!r} -> {match.intent_id} ({match.score})"


@pytest.mark.parametrize("text", ["pain shoots down my leg when i cough", "my leg hurts when i cough or sneeze"])
def test_pain_set_off_by_coughing_is_asked_about_not_left_as_a_cold(text: str) -> None:
    # Coughing or sneezing that sets pain off tells sciatica from PHT: an off-topic word must not hide it.
    match = ENGINE.decide(text, "private")
    assert match.intent_id is not None, f"{text!r} -> None ({match.score})"


def test_a_spell_off_running_is_a_while_not_a_spelling_question() -> None:
    text = "had a spell off running with it, how long till i can go again"
    match = ENGINE.decide(text, "private")
    assert match.intent_id is not None, f"{text!r} -> None ({match.score})"


@pytest.mark.parametrize("response_id", sorted(CONTENT.responses))
def test_every_response_renders_as_valid_telegram_html(response_id: str) -> None:
    text = ENGINE.text(response_id)
    assert len(text) <= TELEGRAM_LIMIT
    assert html_problems(text) == []
    assert "{" not in text and "}" not in text, "a placeholder was left unfilled"
    short = CONTENT.responses[response_id].short
    if short:
        assert html_problems(ENGINE.fill(short)) == []


@pytest.mark.parametrize("intent_id", sorted(set(CONTENT.intents) - NO_CONTACT))
def test_guidance_answers_carry_the_contact_line(intent_id: str) -> None:
    contact = ENGINE.snippet("contact")
    assert contact in ENGINE.answer(intent_id).text


@pytest.mark.parametrize("intent_id", GUIDANCE)
def test_group_short_answers_end_with_the_contact_line(intent_id: str) -> None:
    reply = ENGINE.answer(intent_id, "group")
    contacts = [ENGINE.snippet(name) for name in ("contact", "contact_short")]
    assert any(reply.text.rstrip().endswith(line) for line in contacts), reply.text


@pytest.mark.parametrize("response_id", WITH_DISCLAIMER)
def test_answers_about_recognising_it_say_it_is_not_a_diagnosis(response_id: str) -> None:
    disclaimer = ENGINE.snippet("disclaimer")
    assert disclaimer in ENGINE.text(response_id)


def test_contact_line_is_the_blogs() -> None:
    assert "peter@stage.bocki.com.au/csc" in CONTENT.snippets["contact"]


def test_red_flag_answer_gives_the_emergency_number_and_only_the_none_apply_button() -> None:
    reply = Engine(CONTENT, emergency_number="999").reply("saddle area numb and I can't control my bladder")
    assert reply.kind == "urgent" and reply.tier == "now"
    assert [b.label for b in reply.buttons] == ["None of these apply to me"]
    assert "999" in reply.text and "or your local emergency number" in reply.text


def test_red_flag_wins_over_another_topic_in_the_same_message() -> None:
    reply = ENGINE.reply("what exercises should I do? also my groin has gone numb since yesterday")
    assert reply.intent_id == "red_flags" and reply.kind == "urgent"


@pytest.mark.parametrize("response_id", sorted(set(CONTENT.responses) - {"red_flags"}))
def test_answers_are_chat_sized(response_id: str) -> None:
    assert len(to_plain(ENGINE.text(response_id))) <= 900


def _words(text: str) -> str:
    """Plain lower-case words, one space apart, with the contact lines and the blog's own terms taken out."""
    text = to_plain(text).casefold().replace("\u2019", "'")
    for line in (*(ENGINE.snippet(n) for n in ("contact", "contact_short")), *BLOG_TERMS):
        text = text.replace(line.casefold(), " | ")  # a bar no run can cross
    return " ".join(re.findall(r"[a-z0-9']+|\|", text))


def _selfcheck_texts() -> list[str]:
    """Every sentence of the self-check, filled as it is shown."""

    def strings(node: object) -> list[str]:
        if isinstance(node, dict):
            return [s for value in node.values() for s in strings(value)]
        if isinstance(node, list):
            return [s for value in node for s in strings(value)]
        return [node] if isinstance(node, str) else []

    data = yaml.safe_load((PROJECT_ROOT / "responses" / "_selfcheck.yaml").read_text(encoding="utf-8"))
    return [ENGINE.fill(s) for s in strings(data)]


ANSWER_TEXTS = {
    **{response_id: ENGINE.text(response_id) for response_id in CONTENT.responses},
    **{f"{response_id} (short)": ENGINE.fill(r.short) for response_id, r in CONTENT.responses.items() if r.short},
    "_selfcheck": "\n | \n".join(_selfcheck_texts()),
}


@pytest.mark.parametrize("tier", ["now", "today", "soon"])
def test_each_urgent_answer_fits_one_screen(tier: str) -> None:
    reply = ENGINE.urgent(Alert("red_flags", tier, "x"))
    assert len(to_plain(reply.text)) <= URGENT_SCREEN


def test_the_now_answer_does_not_send_people_to_the_physio() -> None:
    now = ENGINE.urgent(Alert("red_flags", "now", "x")).text
    assert CONTENT.snippets["contact"] not in now
    assert CONTENT.snippets["contact"] in ENGINE.urgent(Alert("red_flags", "today", "x")).text


@pytest.mark.parametrize("response_id", ["fallback", "greeting", "symptoms", "not_text"])
def test_the_safety_net_line_ends_the_everyday_answers(response_id: str) -> None:
    assert ENGINE.text(response_id).rstrip().endswith(CONTENT.snippets["safety_net"])


@pytest.mark.skipif(not BLOG.exists(), reason="the blog is kept beside the repository, in ../shared")
@pytest.mark.parametrize("name", sorted(ANSWER_TEXTS))
def test_answers_do_not_copy_the_blogs_sentences(name: str) -> None:
    blog = _words(BLOG.read_text(encoding="utf-8"))
    words = _words(ANSWER_TEXTS[name]).split()
    runs = {" ".join(words[i : i + COPY_RUN]) for i in range(len(words) - COPY_RUN + 1)}
    assert sorted(run for run in runs if "|" not in run and run in blog) == []


def test_the_copy_rule_catches_a_copied_sentence() -> None:
    copied = "Lots of people live with buttock pain unnecessarily, it seems."
    blog = _words(BLOG.read_text(encoding="utf-8")) if BLOG.exists() else ""
    words = _words(copied).split()
    assert not BLOG.exists() or any(" ".join(words[i : i + COPY_RUN]) in blog for i in range(len(words) - COPY_RUN + 1))


@pytest.mark.parametrize(
    "text",
    [
        "I've had this for over a year and nothing works, will it ever go",
        "my sit bone pain keeps getting worse, how long does this take",
    ],
)
def test_long_standing_or_worsening_pain_is_pointed_to_an_assessment(text: str) -> None:
    reply = ENGINE.reply(text)
    assert reply.intent_id in ("recovery_time", "keep_running")
    assert ENGINE.snippet("long_standing") in reply.text
    assert "patient" not in to_plain(reply.text).casefold()


@pytest.mark.parametrize("intent_id", ["recovery_time", "keep_running"])
def test_recovery_and_running_answers_offer_the_assessment_topics_first(intent_id: str) -> None:
    assert [b.intent_id for b in ENGINE.answer(intent_id).buttons][:2] == ["see_someone", "other_diagnoses"]


def test_a_strain_question_hears_that_a_sudden_pop_needs_prompt_care() -> None:
    reply = ENGINE.reply("how can I tell a hamstring strain from tendinopathy")
    assert reply.intent_id == "other_diagnoses"
    plain = to_plain(reply.text).casefold()
    assert "pop" in plain and "prompt care" in plain


# --- pictures and weekly tips -----------------------------------------------------

PICTURED = {r.id: r for r in CONTENT.responses.values() if r.image}
assert CONTENT.tips is not None, "the shipped content has weekly tips"
TIPS = CONTENT.tips.tips
SIX_WORDS = 6  # no run this long copied from the blog: tips are in the project's own words


def test_the_blogs_three_pictures_go_with_the_right_answers() -> None:
    assert {rid: r.image for rid, r in PICTURED.items()} == {
        "symptoms": "images/sit-bone.png",
        "what_is_it": "images/sit-bone.png",
        "running_technique": "images/over-striding.png",
        "rehab": "images/hip-extension.png",
    }


@pytest.mark.parametrize("response_id", sorted(PICTURED))
def test_every_picture_is_a_phone_friendly_photo_with_alt_text(response_id: str) -> None:
    response = PICTURED[response_id]
    path = PROJECT_ROOT / str(response.image)
    assert photo_problems(path) == []
    _, width, _ = image_size(path.read_bytes())
    assert width >= 800 and path.stat().st_size < 200 * 1024
    assert response.image_alt and len(response.image_alt.split()) >= 8  # says what it shows, not just "diagram"


def test_every_shipped_picture_has_its_drawing_code() -> None:
    source = (PROJECT_ROOT / "images" / "src" / "draw.py").read_text(encoding="utf-8")
    for png in (PROJECT_ROOT / "images").glob("*.png"):
        assert f'"{png.name}"' in source


def test_there_are_at_least_twelve_tips() -> None:
    assert len(TIPS) >= 12 and len({t.id for t in TIPS}) == len(TIPS)


@pytest.mark.parametrize("tip", TIPS, ids=lambda t: t.id)
def test_every_tip_ends_with_the_contact_line(tip: Tip) -> None:
    contact = ENGINE.snippet("contact")
    assert ENGINE.fill(tip.text).endswith(contact)
    assert html_problems(ENGINE.fill(tip.text)) == []


@pytest.mark.skipif(not BLOG.exists(), reason="the blog is kept beside the repository, in ../shared")
@pytest.mark.parametrize("tip", TIPS, ids=lambda t: t.id)
def test_tips_do_not_copy_the_blog(tip: Tip) -> None:
    def words(text: str) -> list[str]:
        return re.findall(r"[\w']+", text.casefold().replace("’", "'"))

    blog = " ".join(words(BLOG.read_text(encoding="utf-8")))
    mine = words(to_plain(tip.text.replace("{contact}", "")))
    runs = {" ".join(mine[i : i + SIX_WORDS]) for i in range(len(mine) - SIX_WORDS + 1)}
    assert [run for run in runs if f" {run} " in f" {blog} "] == []
