"""Benchmark the core on one core: classify throughput, per-message latency, cold start, memory.

Usage: python benchmarks/core.py [--messages N] [--runs R]
Targets (issue 9, with the tripled content): >= 5,000 messages/s on the mix below, p99 <= 1 ms
for messages up to 600 characters, cold start <= 1.0 s, peak RSS <= 80 MB.

Times are CPU time (time.thread_time per message, the child's user+sys for cold start), so a
busy machine slows the wall clock without moving the verdict; wall time is shown beside it.
Every figure is min / median / max over R runs; the verdict uses the median.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
STORY = (
    "so I've been running for about six years now, mostly club runs and the odd half marathon, and "
    "since the autumn I've had this deep ache right where the leg meets the bum. it started after I "
    "added hill reps on tuesdays and now it's worst when I sit at my desk for a long time or drive to "
    "work. it eases off once I'm warmed up on a run but it's sore again the next morning and going "
    "up the stairs at home. I tried stretching it every night but that seems to make it worse if "
    "anything. I have a trail race in march that I really don't want to miss. what should I be "
    "doing right now, and should I stop running until it settles down completely?"
)
# Messages of every shape the bot meets: questions, chatter, typos, slang, emoji, other languages,
# numbers, a 600-character story and a 10,000-character paste (the matcher reads its first 600
# characters; the safety layer reads it all).
SAMPLES = [
    "why does my bum hurt when I sit at work",
    "how long till i can run again",
    "hiya",
    "cheers mate",
    "whats the best rehab for high hamstring tendinopathy",
    "is it my back or my hamstring",
    "pub after parkrun?",
    "numb around my privates since yesterday",
    "¿Dónde nos vemos mañana?",
    "🔥🔥🔥",
    "2",
    "should i stop running completely or just slow down a bit, race in 3 weeks",
    "over striding - what is it",
    "sit bone pain after hill reps",
    "my hammy's been grumbling all arvo after 10 k's",
    STORY[:600],
    "x" * 10_000,
    "who should i see for a proper diagnosis",
    "hgfjdksla",
]
LATENCY_CHARS = 600  # the p99 target covers messages up to this length
# A long, realistic training diary (no repeated letters) with a red flag at the very end: the safety
# layer reads all of it, so its cost must grow no faster than the text (issue 8).
DIARY = (
    STORY + " Week two: easy 5k on Monday, hills on Tuesday, a long slow 18k on Sunday with the club, "
    "and the ache came back the morning after. Week three I swapped the hills for the bike and "
    "it settled a little, then flared after a 10k race where I pushed the last two kilometres. "
) * 6
LONG_MESSAGE = DIARY[:3960] + " Since Tuesday my groin feels numb."
SAFETY_LENGTHS = (1000, 2000, 4000)


def cold_start() -> tuple[float, float]:
    """CPU seconds (user+sys) and wall seconds for a fresh interpreter to import painbot and load the content."""
    code = f"from bot.engine import Engine; from pathlib import Path; Engine.load(Path({str(ROOT)!r}))"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, wall


def one_run(engine: Engine, messages: int) -> tuple[float, list[float], list[float]]:
    """Messages per CPU second over one pass of the mix, and the CPU times of messages up to
    LATENCY_CHARS characters and of longer ones (the latency target covers the first)."""
    latencies: list[float] = []
    pastes: list[float] = []
    spent = 0.0
    for n in range(messages):
        text = SAMPLES[n % len(SAMPLES)]
        chat = "group" if n % 3 == 0 else "private"
        t0 = time.thread_time()
        engine.decide(text, chat)
        took = time.thread_time() - t0
        spent += took
        (latencies if len(text) <= LATENCY_CHARS else pastes).append(took)
    return messages / max(spent, 1e-9), latencies, pastes


def split(engine: Engine, rounds: int = 50) -> tuple[float, float]:
    """Mean CPU milliseconds per message of the mix in the safety screen and in the matcher alone."""
    t0 = time.thread_time()
    for _ in range(rounds):
        for text in SAMPLES:
            engine.screen(text)
    t1 = time.thread_time()
    for _ in range(rounds):
        for text in SAMPLES:
            engine.matcher.match(text)
    t2 = time.thread_time()
    count = rounds * len(SAMPLES)
    return (t1 - t0) / count * 1e3, (t2 - t1) / count * 1e3


def median_ms(step: Callable[[], object], rounds: int) -> float:
    """Median CPU milliseconds of one call of step, over rounds calls."""
    times = []
    for _ in range(rounds):
        t0 = time.thread_time()
        step()
        times.append(time.thread_time() - t0)
    return statistics.median(times) * 1e3


def safety_costs(engine: Engine, rounds: int = 200) -> tuple[float, list[float]]:
    """Median CPU ms of the safety screen on the mix's messages up to 100 characters, and on the
    diary cut to each of SAFETY_LENGTHS characters."""

    def screen_ms(text: str) -> float:
        return median_ms(partial(engine.screen, text), rounds)

    typical = statistics.mean(screen_ms(t) for t in SAMPLES if len(t) <= 100)
    return typical, [screen_ms(LONG_MESSAGE[:n]) for n in SAFETY_LENGTHS]


def story_costs(engine: Engine, rounds: int = 200) -> tuple[float, float, float]:
    """Median CPU ms of the 600-character story (the message that sets p99) in the safety screen, the
    matcher and the two-part finder."""
    text = STORY[:LATENCY_CHARS]
    whole = engine.matcher.match(text)
    return (
        median_ms(partial(engine.screen, text), rounds),
        median_ms(partial(engine.matcher.match, text), rounds),
        median_ms(partial(engine.parts.best_pair, text, whole, "private", True), rounds),
    )


def spread(values: list[float], fmt: str) -> str:
    """min / median / max of several runs."""
    return " / ".join(format(v, fmt) for v in (min(values), statistics.median(values), max(values)))


def percentile(sorted_values: list[float], share: float) -> float:
    """The value below which this share of the sorted values fall."""
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * share))]


def main() -> None:
    """Run the benchmark and print the figures with their verdicts."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000, help="messages per run")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    sys.path.insert(0, str(ROOT))
    from bot.engine import Engine

    engine = Engine.load(ROOT)
    for text in SAMPLES:  # warm the typo cache as a running bot would be
        engine.decide(text, "group")
    rates, p50s, p99s, paste_p50s = [], [], [], []
    for _ in range(args.runs):
        rate, latencies, pastes = one_run(engine, args.messages)
        latencies.sort()
        rates.append(rate)
        p50s.append(percentile(latencies, 0.50) * 1e3)
        p99s.append(percentile(latencies, 0.99) * 1e3)
        paste_p50s.append(statistics.median(pastes) * 1e3)
    safety_ms, matcher_ms = split(engine)
    typical_safety, by_length = safety_costs(engine)
    story_safety, story_matcher, story_parts = story_costs(engine)
    alert = engine.screen(LONG_MESSAGE)
    starts = [cold_start() for _ in range(args.runs)]
    cpu_starts, wall_starts = [s[0] for s in starts], [s[1] for s in starts]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = {True: "ok", False: "MISSED"}
    print(
        f"content           {sum(len(i.examples) for i in engine.content.intents.values())} examples, "
        f"{len(engine.content.off_topic)} off-topic"
    )
    print(f"runs              {args.runs} x {args.messages} messages (min / median / max)")
    print(
        f"throughput        {spread(rates, ',.0f')} messages/CPU-s   "
        f"(target >= 5,000: {verdict[statistics.median(rates) >= 5000]})"
    )
    print(f"latency p50       {spread(p50s, '.3f')} ms CPU   (messages up to {LATENCY_CHARS} chars)")
    print(f"latency p99       {spread(p99s, '.3f')} ms CPU   (target <= 1 ms: {verdict[statistics.median(p99s) <= 1]})")
    print(
        f"10,000-char paste {spread(paste_p50s, '.3f')} ms CPU   "
        f"(outside the latency target: over {LATENCY_CHARS} chars)"
    )
    print(f"mean per message  {safety_ms:.3f} ms CPU in the safety screen, {matcher_ms:.3f} ms in the matcher")
    print(
        f"600-char story    {story_safety:.3f} ms CPU in the safety screen, {story_matcher:.3f} in the matcher, "
        f"{story_parts:.3f} in the two-part finder (median; the message that sets p99)"
    )
    print(
        f"safety, typical   {typical_safety:.3f} ms CPU per message up to 100 chars   "
        f"(target <= 0.1 ms: {verdict[typical_safety <= 0.1]})"
    )
    lengths = " / ".join(f"{n:,}" for n in SAFETY_LENGTHS)
    print(
        f"safety, long      {' / '.join(f'{ms:.2f}' for ms in by_length)} ms CPU at {lengths} chars "
        f"(4,000 / 1,000 = {by_length[-1] / by_length[0]:.1f}: linear is 4); the 4,000-char diary's red flag "
        f"at the end: {'found' if alert else 'MISSED'}"
    )
    print(
        f"cold start        {spread(cpu_starts, '.2f')} s CPU   "
        f"(target <= 1.0 s: {verdict[statistics.median(cpu_starts) <= 1.0]}); wall {spread(wall_starts, '.2f')} s"
    )
    print(f"peak RSS          {rss_mb:.1f} MB   (target <= 80 MB: {verdict[rss_mb <= 80]})")


if __name__ == "__main__":
    main()
