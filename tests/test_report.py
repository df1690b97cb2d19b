"""Reports over a seeded question log: counts, answered share, grouping, CSV, the figures /stats shows."""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.content import load_rules
from bot.questionlog import QuestionLog, QuestionLogError
from bot.report import (
    NO_INTENT,
    NO_QUESTIONS,
    ChartUnavailable,
    PeriodCount,
    build_report,
    count_periods,
    draw_chart,
    format_report,
    group_questions,
    most_unanswered,
    percent,
    write_csv,
)
from bot.settings import PROJECT_ROOT

STOPWORDS = load_rules(PROJECT_ROOT).stopwords  # the shipped intents/_matching.yaml list, as the bot uses it
NOW = datetime(2025, 3, 12, 12, 0, tzinfo=UTC)  # a Wednesday in ISO week 2025-W11
LAST_WEEK = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)  # 2025-W10
THIS_WEEK = datetime(2025, 3, 11, 18, 0, tzinfo=UTC)  # 2025-W11
LONG_AGO = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)  # 2025-W01

# (when, text, intent, outcome, answered)
SEED = [
    (LONG_AGO, "run?", "running", "answer", True),
    *[(LAST_WEEK, "can I run", "running", "answer", True)] * 3,
    (LAST_WEEK, "sitting?", "sitting", "answer", True),
    (LAST_WEEK, "can i do squats", None, "fallback", False),
    *[(THIS_WEEK, "running", "running", "answer", True)] * 2,
    (THIS_WEEK, "numb foot", "red_flags", "urgent", True),
    (THIS_WEEK, "run or cycle today?", "running", "ambiguous", False),
    (THIS_WEEK, "sitting at my desk all day", "sitting", "answer", False),
    (THIS_WEEK, "Can I do squats?", None, "fallback", False),
    (THIS_WEEK, "are squats ok with HHT", None, "fallback", False),
    (THIS_WEEK, "what shoes should I wear", None, "fallback", False),
    (THIS_WEEK, "can I do deadlifts", None, "fallback", False),
]


def seed(path: Path, entries: list[tuple[datetime, str, str | None, str, bool]]) -> Path:
    """Write entries through the real question log."""
    log = QuestionLog(path)
    for when, text, intent, outcome, answered in entries:
        score = 90 if answered else 40
        log.record(
            text, chat_type="private", intent_id=intent, score=score, outcome=outcome, answered=answered, when=when
        )
    log.close()
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed(tmp_path_factory.mktemp("report") / "log.sqlite3", SEED)


def test_report_counts_per_intent_and_answered_share(db: Path) -> None:
    report = build_report(db, 30, STOPWORDS, now=NOW)
    assert (report.total, report.answered) == (14, 7)
    assert report.answered_share == 0.5
    assert report.by_intent == {"running": 6, NO_INTENT: 5, "sitting": 2, "red_flags": 1}
    assert report.by_outcome["fallback"] == 5
    assert report.by_outcome["ambiguous"] == 1


def test_report_counts_per_iso_week_including_empty_weeks(db: Path) -> None:
    weeks = build_report(db, 30, STOPWORDS, now=NOW).weeks
    assert [w.week for w in weeks] == ["2025-W07", "2025-W08", "2025-W09", "2025-W10", "2025-W11"]
    w10, w11 = weeks[-2:]
    assert (w10.total, w10.answered, w10.by_intent) == (5, 4, {"running": 3, "sitting": 1, NO_INTENT: 1})
    assert (w11.total, w11.answered) == (9, 3)
    assert weeks[0].total == 0 and weeks[0].answered_share is None


def test_all_time_report_includes_old_questions(db: Path) -> None:
    report = build_report(db, None, STOPWORDS, now=NOW)
    assert report.total == len(SEED)
    assert report.weeks[0].week == "2025-W01" and report.weeks[0].total == 1
    assert len(report.weeks) == 11


def test_unanswered_questions_are_grouped_biggest_first(db: Path) -> None:
    groups = build_report(db, 30, STOPWORDS, now=NOW).unanswered_groups
    assert groups[0].count == 3
    assert set(groups[0].examples) == {"can i do squats", "Can I do squats?", "are squats ok with HHT"}
    assert [g.count for g in groups] == sorted((g.count for g in groups), reverse=True)
    everything = [text for g in groups for text in g.examples]
    assert "can I do deadlifts" in everything and "what shoes should I wear" in everything
    assert sum(g.count for g in groups) == 7
    # Confidently answered questions never had their text stored.
    assert "can I run" not in everything


def test_grouping_tells_topics_apart() -> None:
    groups = group_questions(
        ["can I cycle", "is cycling ok?", "can I do deadlifts", "deadlifts ok?", "Can I do deadlifts"]
        + ["how long to recover", "how long does recovery take", "what shoes"],
        STOPWORDS,
    )
    as_sets = [set(g.examples) for g in groups]
    assert [g.count for g in groups] == [3, 2, 2, 1]
    assert as_sets[0] == {"can I do deadlifts", "deadlifts ok?", "Can I do deadlifts"}
    assert {"how long to recover", "how long does recovery take"} in as_sets
    assert len(groups[0].examples) <= 3


def test_format_report_for_the_terminal(db: Path) -> None:
    text = format_report(build_report(db, 30, STOPWORDS, now=NOW))
    assert "Questions: 14, answered 7 (50%)" in text
    assert "2025-W10" in text and "running" in text
    assert "(3x)" in text


def test_write_csv(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.csv"
    write_csv(build_report(db, 30, STOPWORDS, now=NOW), out)
    with out.open(newline="", encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == [
        "week",
        "questions",
        "answered",
        "answered_share",
        "red_flags",
        "running",
        "sitting",
        NO_INTENT,
    ]
    w11 = table[-1]
    assert w11["week"] == "2025-W11"
    assert (w11["questions"], w11["answered"], w11["answered_share"]) == ("9", "3", "0.333")
    assert (w11["running"], w11[NO_INTENT]) == ("3", "4")
    assert table[0]["answered_share"] == ""


def test_count_periods_counts_the_last_days_and_names_the_top_topics(db: Path) -> None:
    week, month = count_periods(db, (7, 30), now=NOW)
    assert week == PeriodCount(7, 9, 3, (("running", 3), ("red_flags", 1), ("sitting", 1)))
    assert count_periods(db, (7,), now=NOW) == (week,)  # a period counts the same read alone or with a longer one
    assert (month.total, month.answered, month.top[:2]) == (14, 7, (("running", 6), ("sitting", 2)))
    assert month.answered_share == 0.5 and NO_INTENT not in dict(month.top)


def test_count_periods_starts_each_period_at_its_minute_as_the_log_reads_it(tmp_path: Path) -> None:
    # Logged 7 days before NOW plus 30 seconds: the log keeps the minute, so the question falls in the week.
    path = seed(tmp_path / "log.sqlite3", [(datetime(2025, 3, 5, 12, 0, tzinfo=UTC), "x", "sitting", "answer", True)])
    later = NOW.replace(second=30)
    alone, (week, _) = count_periods(path, (7,), now=later), count_periods(path, (7, 30), now=later)
    assert alone == (week,) and week.total == 1 == build_report(path, 7, STOPWORDS, now=later).total


def test_most_unanswered_is_the_biggest_groups_of_all_time(db: Path) -> None:
    groups = most_unanswered(db, STOPWORDS, limit=2, now=NOW)
    assert [g.count for g in groups] == [3, 1]
    assert "can i do squats" in groups[0].examples
    assert most_unanswered(db, STOPWORDS, limit=5, now=NOW) == build_report(db, None, STOPWORDS, NOW).unanswered_groups


def test_percent_is_a_whole_share_or_a_dash() -> None:
    assert (percent(1 / 3), percent(0.5), percent(None)) == ("33%", "50%", "-")


def test_missing_database_is_an_empty_report(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "log.sqlite3"
    report = build_report(path, 30, STOPWORDS, now=NOW)
    assert report.is_empty and report.answered_share is None and report.weeks == ()
    assert NO_QUESTIONS in format_report(report)
    assert count_periods(path, (30,), now=NOW) == (PeriodCount(30, 0, 0, ()),)
    assert most_unanswered(path, STOPWORDS) == ()
    assert not path.parent.exists()  # reading never creates anything


def test_empty_database_file_is_an_empty_report(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.touch()
    assert build_report(path, None, STOPWORDS, now=NOW).is_empty
    write_csv(build_report(path, None, STOPWORDS, now=NOW), tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text().startswith("week,questions")


def test_corrupt_database_raises_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    path.write_bytes(b"definitely not sqlite " * 100)
    for read in (
        lambda: build_report(path, 30, STOPWORDS),
        lambda: count_periods(path, (7,)),
        lambda: most_unanswered(path, STOPWORDS),
    ):
        with pytest.raises(QuestionLogError, match="cannot read question log"):
            read()


def test_chart_without_matplotlib_says_how_to_install(db: Path, tmp_path: Path, monkeypatch) -> None:
    for module in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.ticker"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(ChartUnavailable, match=r"pip install 'painbot\[chart\]'"):
        draw_chart(build_report(db, 30, STOPWORDS, now=NOW), tmp_path / "chart.png")


def test_draw_chart(db: Path, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    for since, name in ((30, "chart.png"), (None, "all.png")):
        out = tmp_path / name
        draw_chart(build_report(db, since, STOPWORDS, now=NOW), out)
        assert out.read_bytes().startswith(b"\x89PNG")
    empty = tmp_path / "empty.png"
    draw_chart(build_report(tmp_path / "missing.sqlite3", 30, STOPWORDS, now=NOW), empty)
    assert empty.read_bytes().startswith(b"\x89PNG")
