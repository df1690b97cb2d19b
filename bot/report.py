"""Reports over the question log, as plain functions the CLI and the Telegram app share."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from bot.normalise import clean, stem
from bot.questionlog import LoggedQuestion, QuestionLogError, format_time, parse_time, read_questions

NO_INTENT = "(no match)"
GROUP_SIMILARITY = 70
EXAMPLES_PER_GROUP = 3
MAX_GROUPED = 5000  # most recent unanswered texts considered, keeps grouping quick
NO_QUESTIONS = "No questions logged yet."  # the CLI's report and chart; Telegram's /stats says stats_none
TOP_TOPICS = 3  # topics named per period in /stats
MAX_WEEK_LABELS = 16


class ChartUnavailable(QuestionLogError):
    """Drawing a chart needs the optional matplotlib dependency."""


@dataclass(frozen=True)
class WeekCount:
    """Questions in one ISO week, e.g. "2025-W07"."""

    week: str
    total: int
    answered: int
    by_intent: dict[str, int] = field(default_factory=dict)

    @property
    def answered_share(self) -> float | None:
        """Fraction answered confidently, or None for a week without questions."""
        return self.answered / self.total if self.total else None


@dataclass(frozen=True)
class QuestionGroup:
    """Similar unanswered questions: how many, and a few of them as asked."""

    count: int
    examples: tuple[str, ...]


@dataclass(frozen=True)
class PeriodCount:
    """The questions of the last few days, as /stats shows them."""

    days: int
    total: int
    answered: int
    top: tuple[tuple[str, int], ...]  # the most asked topics with their counts, most first

    @property
    def answered_share(self) -> float | None:
        """Fraction answered, or None when nothing was asked."""
        return self.answered / self.total if self.total else None


@dataclass(frozen=True)
class Report:
    """What people asked over a period, and how well the content answered it."""

    generated_at: datetime
    since: datetime | None
    total: int
    answered: int
    by_intent: dict[str, int]
    by_outcome: dict[str, int]
    weeks: tuple[WeekCount, ...]
    unanswered_groups: tuple[QuestionGroup, ...]

    @property
    def answered_share(self) -> float | None:
        """Fraction answered confidently, or None when nothing was asked."""
        return self.answered / self.total if self.total else None

    @property
    def is_empty(self) -> bool:
        """True when no questions were logged in the period."""
        return self.total == 0

    @property
    def intents(self) -> list[str]:
        """Intent ids seen in the period, most asked first."""
        return list(self.by_intent)


def build_report(
    db_path: Path, since_days: int | None, stopwords: frozenset[str], now: datetime | None = None
) -> Report:
    """Summarise the log for the last since_days days (all of it when None).

    `stopwords` are the matcher's (content.rules.stopwords): without dropping them "can I do squats"
    and "can I do deadlifts" look alike.
    """
    now = _utc(now)
    since = now - timedelta(days=since_days) if since_days is not None else None
    rows = read_questions(Path(db_path), since, now)
    answered = sum(row.answered for row in rows)
    return Report(
        generated_at=now,
        since=since,
        total=len(rows),
        answered=answered,
        by_intent=dict(Counter(map(_intent, rows)).most_common()),
        by_outcome=dict(Counter(row.outcome for row in rows).most_common()),
        weeks=_weeks(rows, since, now),
        unanswered_groups=group_questions(_unanswered_texts(rows), stopwords),
    )


def _unanswered_texts(rows: list[LoggedQuestion]) -> list[str]:
    """The kept texts of unanswered questions, most recent first, at most MAX_GROUPED of them."""
    return [row.text for row in reversed(rows) if row.text and not row.answered][:MAX_GROUPED]


def group_questions(
    texts: list[str], stopwords: frozenset[str], threshold: float = GROUP_SIMILARITY
) -> tuple[QuestionGroup, ...]:
    """Cluster similar questions around the most common ones, biggest group first."""
    forms: dict[str, list[str]] = {}
    for text in texts:
        forms.setdefault(_normalise(text, stopwords), []).append(text)
    leaders: list[str] = []
    members: list[list[str]] = []
    # Most frequent wording first, so each group is led by its typical question.
    for form, asked in sorted(forms.items(), key=lambda item: -len(item[1])):
        match = process.extractOne(form, leaders, scorer=fuzz.token_set_ratio, score_cutoff=threshold)
        if match is None:
            leaders.append(form)
            members.append(list(asked))
        else:
            members[match[2]].extend(asked)
    groups = [QuestionGroup(len(texts_), _examples(texts_)) for texts_ in members]
    return tuple(sorted(groups, key=lambda group: -group.count))


def format_report(report: Report) -> str:
    """Render a report for the terminal."""
    lines = [f"painbot questions, {_period(report)} (generated {format_time(report.generated_at)} UTC)"]
    if report.is_empty:
        return "\n".join([*lines, "", NO_QUESTIONS])
    lines += [
        "",
        f"Questions: {report.total}, answered {report.answered} ({percent(report.answered_share)}),"
        f" not answered {report.total - report.answered}",
        "Outcomes: " + ", ".join(f"{kind} {count}" for kind, count in report.by_outcome.items()),
        "",
        "By topic:",
    ]
    width = max(len(intent) for intent in report.by_intent)
    lines += [f"  {intent:<{width}}  {count:>6}" for intent, count in report.by_intent.items()]
    lines += ["", "By week:", f"  {'week':<8}  {'questions':>9}  {'answered':>8}"]
    lines += [f"  {w.week:<8}  {w.total:>9}  {percent(w.answered_share):>8}" for w in report.weeks]
    lines += ["", "Unanswered questions, most common first:"]
    if not report.unanswered_groups:
        lines.append("  none with text kept")
    for number, group in enumerate(report.unanswered_groups, start=1):
        lines.append(f"  {number}. ({group.count}x) {group.examples[0]}")
        lines += [f"       {example}" for example in group.examples[1:]]
    return "\n".join(lines)


def write_csv(report: Report, path: Path) -> None:
    """Write one row per ISO week: totals, answered share, and a column per intent."""
    intents = sorted(report.by_intent, key=lambda intent: (intent == NO_INTENT, intent))
    with Path(path).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["week", "questions", "answered", "answered_share", *intents])
        for week in report.weeks:
            share = "" if week.answered_share is None else f"{week.answered_share:.3f}"
            writer.writerow([week.week, week.total, week.answered, share, *(week.by_intent.get(i, 0) for i in intents)])


def count_periods(db_path: Path, periods: Sequence[int], now: datetime | None = None) -> tuple[PeriodCount, ...]:
    """For each number of days, how many questions the last that many days brought, how many were
    answered, and the top topics (the log is read once, for the longest period)."""
    now = _utc(now)
    rows = read_questions(Path(db_path), now - timedelta(days=max(periods, default=0)), now)
    # Each period starts at its minute, as the log stores times and read_questions compares them:
    # a question logged in that minute counts as it does in a period read alone.
    starts = [parse_time(format_time(now - timedelta(days=days))) for days in periods]
    return tuple(
        _period_count([row for row in rows if row.asked_at >= start], days)
        for days, start in zip(periods, starts, strict=True)
    )


def _period_count(rows: list[LoggedQuestion], days: int) -> PeriodCount:
    """One period's totals and top topics."""
    top = Counter(row.intent_id for row in rows if row.intent_id).most_common(TOP_TOPICS)
    return PeriodCount(days, len(rows), sum(row.answered for row in rows), tuple(top))


def most_unanswered(
    db_path: Path, stopwords: frozenset[str], limit: int = 5, now: datetime | None = None
) -> tuple[QuestionGroup, ...]:
    """The biggest groups of unanswered questions of all time, biggest first (no weekly counts built)."""
    rows = read_questions(Path(db_path), None, _utc(now))
    return group_questions(_unanswered_texts(rows), stopwords)[:limit]


def draw_chart(report: Report, path: Path, top: int = 8) -> None:
    """Save a PNG: questions per week by topic (stacked) above the share answered."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as exc:
        raise ChartUnavailable("drawing a chart needs matplotlib: pip install 'painbot[chart]'") from exc
    # Figure + Agg canvas rather than pyplot: no global state, no display needed.
    figure = Figure(figsize=(10, 7), layout="constrained")
    FigureCanvasAgg(figure)
    bars, share = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
    figure.suptitle(f"painbot questions, {_period(report)}")
    if report.is_empty:
        bars.text(0.5, 0.5, NO_QUESTIONS, ha="center", va="center", transform=bars.transAxes)
    else:
        _draw_bars(bars, report, top)
        _draw_share(share, report)
        share.xaxis.set_major_locator(MaxNLocator(MAX_WEEK_LABELS, integer=True))
    figure.savefig(path, format="png", dpi=100)


def _draw_bars(axes: Any, report: Report, top: int) -> None:
    """Stack weekly counts of the most asked topics, the rest as "other"."""
    labels = [w.week for w in report.weeks]
    shown = report.intents[:top]
    bottom = [0] * len(labels)
    series = [(i, [w.by_intent.get(i, 0) for w in report.weeks]) for i in shown]
    rest = [w.total - sum(w.by_intent.get(i, 0) for i in shown) for w in report.weeks]
    if any(rest):
        series.append(("other", rest))
    for name, counts in series:
        axes.bar(labels, counts, bottom=bottom, label=name)
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_ylabel("questions")
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")


def _draw_share(axes: Any, report: Report) -> None:
    """Plot the weekly share answered, skipping weeks without questions."""
    points = [(w.week, 100 * w.answered_share) for w in report.weeks if w.answered_share is not None]
    axes.plot([p[0] for p in points], [p[1] for p in points], marker="o")
    axes.set_ylim(0, 100)
    axes.set_ylabel("% answered")
    axes.tick_params(axis="x", labelrotation=45)


def _intent(row: LoggedQuestion) -> str:
    """The intent a logged question is counted under (NO_INTENT when none was found)."""
    return row.intent_id or NO_INTENT


def _weeks(rows: list[LoggedQuestion], since: datetime | None, now: datetime) -> tuple[WeekCount, ...]:
    """Count per ISO week, including empty weeks so charts show gaps honestly."""
    if not rows:
        return ()
    first = (since or rows[0].asked_at).date()
    last = now.date()
    totals: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    by_intent: dict[str, Counter[str]] = {}
    for row in rows:
        week = _iso_week(row.asked_at.date())
        totals[week] += 1
        answered[week] += row.answered
        by_intent.setdefault(week, Counter())[_intent(row)] += 1
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        week = _iso_week(monday)
        weeks.append(WeekCount(week, totals[week], answered[week], dict(by_intent.get(week, {}))))
        monday += timedelta(days=7)
    return tuple(weeks)


def _iso_week(day: date) -> str:
    """Label a day with its ISO week, e.g. "2025-W07"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _normalise(text: str, stopwords: frozenset[str]) -> str:
    """Words without filler, endings trimmed (the matcher's own cleaning), as similar questions compare."""
    words = clean(text).split()
    return " ".join(stem(w) for w in [w for w in words if w not in stopwords] or words)


def _examples(texts: list[str]) -> tuple[str, ...]:
    """Pick distinct example wordings, the most repeated first."""
    counts = Counter(texts)
    return tuple(text for text, _ in counts.most_common(EXAMPLES_PER_GROUP))


def _period(report: Report) -> str:
    """Describe the period a report covers."""
    if report.since is None:
        return "all time"
    days = round((report.generated_at - report.since) / timedelta(days=1))
    return f"last {days} days (since {report.since:%Y-%m-%d})"


def percent(share: float | None) -> str:
    """Show a share as a whole percentage ("-" for none)."""
    return "-" if share is None else f"{100 * share:.0f}%"


def _utc(now: datetime | None) -> datetime:
    """Default to the current time and treat naive times as UTC."""
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)
