"""Benchmark the core on one core: classify throughput, per-message latency, cold start, memory.

Usage: python benchmarks/core.py [--messages N]
Targets (issue 2): >= 5,000 messages/s, p99 <= 1 ms, cold start <= 1.5 s, RSS <= 80 MB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Messages of every shape the bot meets: questions, chatter, typos, emoji, other languages, a paste.
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
    "should i stop running completely or just slow down a bit, race in 3 weeks",
    "over striding - what is it",
    "sit bone pain after hill reps",
    "x" * 10_000,
    "who should i see for a proper diagnosis",
    "hgfjdksla",
]


def cold_start() -> float:
    """Seconds for a fresh interpreter to import painbot and load the shipped content."""
    code = "from bot.engine import Engine; from pathlib import Path; Engine.load(Path(%r))" % str(ROOT)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=20_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says
    sys.path.insert(0, str(ROOT))
    from bot.engine import Engine

    engine = Engine.load(ROOT)
    for text in SAMPLES:  # warm the typo cache as a running bot would be
        engine.decide(text, "group")
    latencies = []
    started = time.perf_counter()
    for n in range(args.messages):
        text = SAMPLES[n % len(SAMPLES)]
        chat = "group" if n % 3 == 0 else "private"
        t0 = time.perf_counter()
        engine.decide(text, chat)
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    latencies.sort()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"messages          {args.messages}")
    print(f"throughput        {args.messages / elapsed:,.0f} messages/s   (target >= 5,000)")
    print(f"latency p50       {statistics.median(latencies) * 1e3:.3f} ms")
    print(f"latency p99       {latencies[int(len(latencies) * 0.99)] * 1e3:.3f} ms   (target <= 1 ms)")
    print(f"cold start        {cold_start():.2f} s   (target <= 1.5 s)")
    print(f"peak RSS          {rss_mb:.1f} MB   (target <= 80 MB)")


if __name__ == "__main__":
    main()
