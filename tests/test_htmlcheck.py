"""Checking answers against the HTML subset Telegram accepts."""

from __future__ import annotations

import pytest

from bot.htmlcheck import html_problems, to_plain


@pytest.mark.parametrize(
    "text",
    [
        "plain text",
        "<b>bold</b> <i>italic</i> <u>u</u> <s>s</s> <code>x</code>",
        "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><strike>e</strike>",
        '<a href="https://example.com">blog</a>',
        '<pre><code class="language-python">x = 1</code></pre>',
        "<blockquote>quote</blockquote> <tg-spoiler>hidden</tg-spoiler>",
        "<b>bold <i>and italic</i></b>",
        "Tom &amp; Jerry &lt;3 &quot;hi&quot; &#39; &#x27;",
        "line one\nline two",
        "",
    ],
)
def test_telegram_html_passes(text: str) -> None:
    assert html_problems(text) == []


@pytest.mark.parametrize("tag", ["br", "p", "div", "ul", "li", "h1", "img", "script"])
def test_tags_telegram_refuses_are_reported(tag: str) -> None:
    problems = html_problems(f"one<{tag}>two")
    assert any(f"<{tag}> is not allowed" in p for p in problems)


def test_self_closed_br_is_refused() -> None:
    assert any("<br> is not allowed" in p for p in html_problems("one<br/>two"))


def test_link_without_href_is_reported() -> None:
    assert html_problems("<a>blog</a>") == ["<a> needs an href"]


def test_tag_never_closed_is_reported() -> None:
    assert html_problems("<b>bold") == ["<b> is never closed"]


def test_closing_tag_without_opening_is_reported() -> None:
    assert html_problems("bold</b>") == ["closing </b> does not match an open tag"]


def test_crossed_tags_are_reported() -> None:
    problems = html_problems("<b><i>x</b></i>")
    assert "closing </b> does not match an open tag" in problems


def test_bare_ampersand_is_reported() -> None:
    assert html_problems("Tom & Jerry") == ["a bare '&' must be written as &amp;"]


def test_ampersand_in_link_is_reported() -> None:
    assert html_problems('<a href="https://x.org/?a=1&b=2">x</a>') == ["a bare '&' must be written as &amp;"]


@pytest.mark.parametrize("text", ["keep pain < 3/10 when you run", "I <3 running", "a <"])
def test_bare_less_than_is_reported(text: str) -> None:
    assert html_problems(text) == ["a bare '<' must be written as &lt;"]


def test_to_plain_drops_tags() -> None:
    assert to_plain('<b>Rest</b> a bit, see <a href="https://x.org">the blog</a>.') == "Rest a bit, see the blog."


def test_to_plain_unescapes_entities() -> None:
    assert to_plain("Tom &amp; Jerry &lt;3 &quot;ok&quot; &#x2014;") == 'Tom & Jerry <3 "ok" \u2014'


def test_to_plain_keeps_newlines() -> None:
    assert to_plain("<b>one</b>\ntwo") == "one\ntwo"
