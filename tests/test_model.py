"""The learned model: trained from examples at start-up, deterministic, generalising over word parts."""

from __future__ import annotations

import numpy as np
import pytest

from bot.model import Model
from bot.normalise import stem

STOPWORDS = frozenset({"i", "my", "it", "is", "the", "a", "do", "can"})
EXAMPLES = [
    ("stretch", "should i be stretching it"),
    ("stretch", "is stretching my hamstring ok"),
    ("shoes", "which running shoes to buy"),
    ("shoes", "are my trainers worn out"),
    ("time", "how long until it heals"),
    ("time", "when will it get better"),
]


def labelled(pairs: list[tuple[str, str]]) -> list[tuple[str, list[str], list[str]]]:
    return [(label, text.split(), [stem(w) for w in text.split()]) for label, text in pairs]


def probabilities(model: Model, text: str) -> dict[str, float]:
    return model.probabilities(text.split(), [stem(w) for w in text.split()])


@pytest.fixture(scope="module")
def model() -> Model:
    return Model(labelled(EXAMPLES), STOPWORDS)


def test_every_class_gets_a_probability_and_they_sum_to_one(model: Model) -> None:
    found = probabilities(model, "is stretching ok")
    assert set(found) == {"stretch", "shoes", "time"}
    assert sum(found.values()) == pytest.approx(1.0)


@pytest.mark.parametrize(("label", "text"), EXAMPLES)
def test_each_example_is_its_own_class(model: Model, label: str, text: str) -> None:
    found = probabilities(model, text)
    assert max(found, key=found.__getitem__) == label


def test_a_word_form_no_example_has_still_counts_through_its_character_grams(model: Model) -> None:
    found = probabilities(model, "stretchy")  # "stretchy" is in no example; "stretching" is
    assert max(found, key=found.__getitem__) == "stretch"


def test_a_message_of_unknown_words_gets_the_prior(model: Model) -> None:
    found = probabilities(model, "zzz qqq")
    assert max(found.values()) - min(found.values()) < 1e-6  # every class has two examples


def test_the_same_examples_give_the_same_model() -> None:
    first, second = Model(labelled(EXAMPLES), STOPWORDS), Model(labelled(EXAMPLES), STOPWORDS)
    assert np.array_equal(first._weights, second._weights) and np.array_equal(first._bias, second._bias)
    assert probabilities(first, "how long till better") == probabilities(second, "how long till better")
