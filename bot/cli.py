"""The painbot command: thin verbs over the library; the only place that picks exit codes."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.content import load_content, near_duplicates
from bot.engine import Engine
from bot.evaluation import evaluate, format_report, load_labelled
from bot.settings import Settings, SettingsError
from bot.terminal import TerminalChat
from bot.yamlsource import ContentInvalid

CHATS = ("private", "group")


def _parser() -> argparse.ArgumentParser:
    """Declare every verb and its options."""
    parser = argparse.ArgumentParser(prog="painbot", description=__doc__)
    parser.add_argument("--content", type=Path, help="folder holding intents/ and responses/ (or PAINBOT_CONTENT)")
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    verbs.add_parser("check", help="validate the content; print every problem as path:line: message")
    ask = verbs.add_parser("ask", help="print the reply the bot would send to TEXT")
    ask.add_argument("text")
    ask.add_argument("--chat", choices=CHATS, default="private")
    verbs.add_parser("chat", help="talk to the bot in the terminal")
    verbs.add_parser("classify", help="JSON Lines in on stdin, one decision per line out")
    ev = verbs.add_parser("eval", help="measure answers on a labelled YAML file")
    ev.add_argument("file", type=Path)
    ev.add_argument("--verbose", "-v", action="store_true", help="also list every miss")
    report = verbs.add_parser("report", help="what people asked: per topic, answered share, unanswered groups")
    report.add_argument("--since", type=int, metavar="DAYS", help="only the last DAYS days")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the weekly figures as CSV")
    report.add_argument("--chart", type=Path, metavar="FILE.png", help="also draw questions per week (needs painbot[chart])")
    run = verbs.add_parser("run", help="start the Telegram bot (the terminal chat when no token is set)")
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL for Telegram to post updates to")
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run one verb and return its exit code."""
    args = _parser().parse_args(argv)
    out, inp = stdout or sys.stdout, stdin or sys.stdin
    try:
        settings = Settings.from_env(env_file=Path.cwd() / ".env")
    except SettingsError as exc:
        print(f"painbot: {exc}", file=sys.stderr)
        return 2
    content_dir = args.content or settings.content_dir
    if args.verb == "check":
        return _check(content_dir, out)
    if args.verb == "report":
        return _report(args, settings, out)
    try:
        engine = Engine.from_settings(settings, content_dir)
    except ContentInvalid as exc:
        print(exc, file=sys.stderr)
        print(f"painbot: the content in {content_dir} has problems; nothing was started", file=sys.stderr)
        return 1
    return _VERBS[args.verb](args, engine, settings, inp, out)


def _check(content_dir: Path, out: TextIO) -> int:
    """Validate the content and print every problem at once."""
    try:
        content = load_content(content_dir)
    except ContentInvalid as exc:
        for error in exc.errors:
            print(error, file=out)
        print(f"{len(exc.errors)} problem(s) found", file=out)
        return 1
    for warning in (*content.warnings, *near_duplicates(content)):
        print(warning, file=out)
    examples = sum(len(i.examples) for i in content.intents.values())
    print(f"ok: {len(content.intents)} intents, {len(content.responses)} responses, {examples} examples", file=out)
    return 0


def _report(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """Print the question-log report, optionally as CSV and a chart too."""
    from bot import report  # the log's reader is only needed here

    if args.since is not None and args.since < 1:
        print("painbot: --since must be at least 1 day", file=sys.stderr)
        return 2
    try:
        built = report.build_report(settings.db_path, args.since)
        print(report.format_report(built), file=out)
        if args.csv:
            report.write_csv(built, args.csv)
            print(f"wrote {args.csv}", file=out)
        if args.chart:
            report.draw_chart(built, args.chart)
            print(f"wrote {args.chart}", file=out)
    except (report.QuestionLogError, OSError) as exc:
        print(f"painbot: {exc}", file=sys.stderr)
        return 1
    return 0


def _ask(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Print one reply and the intent it answers."""
    match = engine.decide(args.text, args.chat)
    reply = engine.renderer.render(match, args.chat)
    print(reply.plain(), file=out)
    print(f"\n[intent: {match.intent_id or 'none'}, score: {match.score:.0f}, reply: {reply.kind}]", file=out)
    return 0


def _chat(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Hold a conversation in the terminal."""
    print("painbot in the terminal: type a question, a number to press a button, /quit to leave.", file=out)

    def read() -> str:
        out.write("you> ")
        out.flush()
        line = inp.readline()
        if not line:
            raise EOFError
        return line

    TerminalChat(engine, read, out).run()
    return 0


def _classify(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Decide each JSON line's intent; a bad line gets an error object and the rest go on."""
    for line in inp:
        if line.strip():
            out.write(json.dumps(classify_line(engine, line)) + "\n")
    out.flush()
    return 0


def classify_line(engine: Engine, line: str) -> dict[str, object]:
    """One input line to one output object."""
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg}"}
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return {"error": 'expected an object with a "text" string'}
    chat = item.get("chat", "private")
    if chat not in CHATS:
        return {"error": f'"chat" must be "private" or "group", not {chat!r}'}
    match = engine.decide(item["text"], chat)
    result: dict[str, object] = {"intent": match.intent_id, "score": round(match.score)}
    if match.alert is not None and match.alert.tier:
        result["tier"] = match.alert.tier
    if match.ambiguous and match.runner_up:
        result.update(ambiguous=True, runner_up=match.runner_up.intent_id)
    if also := engine.answer_parts(match)[1:]:
        result["also"] = list(also)
    return result


def _eval(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Print the figures for a labelled file; fail when a crisis, emergency or red flag was missed."""
    try:
        items = load_labelled(args.file)
    except ContentInvalid as exc:
        print(exc, file=out)
        return 2
    report = evaluate(engine, items)
    print(format_report(report, args.verbose), file=out)
    return 1 if report.safety_missed else 0


def _run(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Start the Telegram bot, or the terminal chat when there is no token."""
    if not settings.telegram_bot_token:
        print("No TELEGRAM_BOT_TOKEN is set, so painbot opens as a chat here in the terminal.", file=out)
        return _chat(args, engine, settings, inp, out)
    from bot.app import run_bot  # imported late: the terminal verbs never need Telegram

    return run_bot(settings, engine, args.webhook)


_VERBS = {"ask": _ask, "chat": _chat, "classify": _classify, "eval": _eval, "run": _run}

if __name__ == "__main__":
    raise SystemExit(main())
