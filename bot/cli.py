"""The painbot command: thin verbs over the library; the only place that picks exit codes."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.content import load_content, load_rules, near_duplicates
from bot.engine import Engine
from bot.evaluation import cross_validate, evaluate, format_report, known_labels, load_labelled
from bot.settings import Settings, SettingsError
from bot.terminal import TerminalChat, reader_for
from bot.yamlsource import ContentInvalid

CHATS = ("private", "group")
OK, PROBLEM, USAGE, INTERRUPTED = 0, 1, 2, 130  # 130: the shell's own code for a command stopped by Ctrl-C
DEBUG_VARIABLE = "PAINBOT_DEBUG"  # set to 1 to see the Python traceback behind an unexpected error
# classify reads one JSON object per line. A Telegram message is at most 4,096 characters, and JSON
# escaping (\uXXXX) can make one six times longer, so a line of 64 KiB holds any real message.
MAX_LINE_CHARS = 65_536
MAX_TEXT_CHARS = 4_096  # Telegram's own limit: no longer message can reach the bot
MAX_DEPTH = 16  # a line is one flat object; deeper nesting is refused before the (recursive) JSON parser sees it
NO_TOKEN = (
    "painbot: TELEGRAM_BOT_TOKEN is not set: put TELEGRAM_BOT_TOKEN=<the token from @BotFather> "
    "in .env (see .env.example) or in the environment"
)
CONTENT_SETTINGS = ("PAINBOT_CONTENT", "PAINBOT_EMERGENCY_NUMBER", "PAINBOT_CRISIS_LINE", "PAINBOT_RETENTION_DAYS")


@dataclass(frozen=True)
class Verb:
    """One verb's page: what it does, an example, and the settings it reads."""

    name: str
    summary: str
    details: str
    example: str
    settings: tuple[str, ...]


VERBS = (
    Verb(
        "check",
        "check the content: every problem as path:line: message",
        "Validates every file under intents/ and responses/ and the links between them, and warns about\n"
        "near-duplicate examples and long answers. Exit 0 when clean, 1 when something must be fixed.",
        "painbot check",
        ("PAINBOT_CONTENT",),
    ),
    Verb(
        "ask",
        "show the reply the bot would send to one message",
        "Prints the reply as plain text (buttons numbered), then the intent, the score and the kind of reply.",
        'painbot ask "how long till I can run" --chat group',
        CONTENT_SETTINGS,
    ),
    Verb(
        "chat",
        "talk to the bot here in the terminal",
        "The same engine as on Telegram: type a question, a number to press a button, /check for the\n"
        "self-check, /help for the topics, /quit (or Ctrl-D) to leave.",
        "painbot chat",
        CONTENT_SETTINGS,
    ),
    Verb(
        "classify",
        "decide the intent of each JSON line on stdin",
        'Reads JSON Lines: {"text": ..., "chat": "private" or "group"}. Writes exactly one line per input\n'
        'line, in order: {"intent": ..., "score": ...}, with "tier" for a red flag\'s urgency, and\n'
        '"runner_up" (the second-best intent) whenever there is one, and "ambiguous": true when it is\n'
        "within the margin. A blank, invalid, too long or too deeply nested line gets\n"
        '{"error": ...} and the rest go on; bytes that are not UTF-8 are replaced, never fatal.',
        """echo '{"text": "hi"}' | painbot classify""",
        CONTENT_SETTINGS,
    ),
    Verb(
        "eval",
        "measure the answers on a labelled YAML file",
        'Each entry: text, intent (an intent id, a list of them, crisis, emergency, or null for "must not\n'
        'answer"), optional chat and, for a red flag, optional tier. Prints in-scope accuracy, nulls\n'
        "rejected, recall and false alarms of each safety kind, a per-intent table and the most confused\n"
        "pairs. An unknown label is a path:line problem (exit 1); a missed crisis, emergency or red flag\n"
        "exits 1 too. With --cv K instead of a file: K-fold cross-validation over the intents' own\n"
        "examples (each fold scored by the whole pipeline rebuilt from the others), the same table.",
        "painbot eval ../shared/eval/dev.yaml",
        CONTENT_SETTINGS,
    ),
    Verb(
        "report",
        "what people asked, from the anonymous question log",
        "Questions per topic over time, the answered share, and the unanswered questions grouped by\n"
        "similarity, biggest group first.",
        "painbot report --since 30",
        ("PAINBOT_DB", "PAINBOT_DATA_DIR"),
    ),
    Verb(
        "run",
        "start the Telegram bot",
        "Long polling, or PTB's webhook server with --webhook URL. With no TELEGRAM_BOT_TOKEN it opens the\n"
        "terminal chat when typed at a terminal; anywhere else (a service, a container, a pipe) it exits 1\n"
        "saying how to set the token. --webhook without a token is always an error.",
        "painbot run",
        ("TELEGRAM_BOT_TOKEN", "every setting in .env.example"),
    ),
)

OVERVIEW = """\
painbot answers runners' questions about hamstring origin tendon pain (high hamstring tendinopathy),
on Telegram or here in the terminal. Settings come from the environment or a .env file in the
current folder (see .env.example)."""

FOOTER = f"""\
options work before or after the verb: painbot check --content DIR = painbot --content DIR check.
Run painbot VERB --help for a verb's arguments, an example and the settings it reads.

exit codes:
  0    done
  1    a problem you must fix: bad content or labels, a missed safety message, no token for a service
  2    wrong usage: an unknown verb or option, a bad setting
  130  stopped with Ctrl-C

{DEBUG_VARIABLE}=1 (or -v) shows the Python traceback behind an unexpected error."""


def _common() -> argparse.ArgumentParser:
    """Options every verb takes, before or after it (suppressed defaults, so neither place undoes the other)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--content",
        type=Path,
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="folder holding intents/ and responses/ (default: PAINBOT_CONTENT, else painbot's own)",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="say more: eval lists every miss; an unexpected error shows its traceback",
    )
    return common


def _parser() -> argparse.ArgumentParser:
    """Declare every verb, its arguments and its help page."""
    common, raw = _common(), argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="painbot", description=OVERVIEW, epilog=FOOTER, formatter_class=raw, parents=[common]
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB", title="verbs")
    pages = {}
    for verb in VERBS:
        epilog = f"example:\n  {verb.example}\n\nreads: {', '.join(verb.settings)} (environment or .env)"
        pages[verb.name] = verbs.add_parser(
            verb.name,
            help=verb.summary,
            epilog=epilog,
            formatter_class=raw,
            description=f"{verb.summary}.\n\n{verb.details}",
            parents=[common],
        )
    pages["ask"].add_argument("text", help="the message, in quotes")
    pages["ask"].add_argument(
        "--chat",
        choices=CHATS,
        default="private",
        help="answer as in a private chat (default) or a group (short answers)",
    )
    pages["eval"].add_argument("file", type=Path, nargs="?", help="a YAML list of {text, intent, chat} entries")
    pages["eval"].add_argument(
        "--cv", type=int, metavar="K", help="instead of a file: K-fold cross-validation over the intents' own examples"
    )
    report = pages["report"]
    report.add_argument("--since", type=int, metavar="DAYS", help="only the last DAYS days")
    report.add_argument("--csv", type=Path, metavar="FILE", help="also write the weekly figures as CSV")
    report.add_argument(
        "--chart", type=Path, metavar="FILE.png", help='also draw questions per week (needs pip install -e ".[chart]")'
    )
    pages["run"].add_argument(
        "--webhook", metavar="URL", help="public HTTPS URL for Telegram to post updates to (default: long polling)"
    )
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    """Run one verb and return its exit code; bad input, a closed pipe or Ctrl-C never show a traceback."""
    args = _parser().parse_args(argv)
    debug = getattr(args, "verbose", False) or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")
    # A closed stdin or stdout (<&- or >&-) leaves None here: read nothing, write nowhere.
    out, inp = stdout or sys.stdout or io.StringIO(), stdin or sys.stdin or io.StringIO()
    for stream in (inp, out):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="replace")  # a stray byte is one odd character, never a crash
    try:
        code = _dispatch(args, inp, out)
        out.flush()  # here, not at exit, so a reader that went away is caught below
        return code
    except KeyboardInterrupt:
        _explain(debug, "painbot: stopped")
        return INTERRUPTED
    except BrokenPipeError:
        _reader_gone(out)
        return OK
    except Exception as exc:  # the last guard: one line, not a traceback, unless asked for
        _explain(
            debug,
            f"painbot: unexpected error: {type(exc).__name__}: {exc}"
            f"{'' if debug else f' ({DEBUG_VARIABLE}=1 shows the details)'}",
        )
        return PROBLEM


def _explain(debug: bool, line: str) -> None:
    """Say what stopped painbot in one line, after the traceback when debugging."""
    if debug:
        traceback.print_exc()
    print(line, file=sys.stderr)


def _reader_gone(out: TextIO) -> None:
    """The reader closed the pipe (| head): stop writing, and keep Python's exit-time flush quiet too."""
    try:
        fd = out.fileno()
    except (OSError, ValueError):  # not a real file (a test's StringIO): nothing is left to flush
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _dispatch(args: argparse.Namespace, inp: TextIO, out: TextIO) -> int:
    """Read the settings, load the content and run the verb."""
    env_file = Path.cwd() / ".env"
    try:
        settings = Settings.from_env(env_file=env_file)
    except SettingsError as exc:
        print(f"painbot: {exc}", file=sys.stderr)
        return USAGE
    except (OSError, UnicodeDecodeError) as exc:
        print(f"painbot: cannot read {env_file}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return PROBLEM
    content_dir = getattr(args, "content", None) or settings.content_dir
    if args.verb == "check":
        return _check(content_dir, out)
    if args.verb == "report":
        return _report(args, settings, content_dir, out)
    try:
        engine = Engine.from_settings(settings, content_dir)
    except ContentInvalid as exc:
        print(exc, file=sys.stderr)
        print(f"painbot: the content in {content_dir} has problems; nothing was started", file=sys.stderr)
        return PROBLEM
    return _VERBS[args.verb](args, engine, settings, inp, out)


def _check(content_dir: Path, out: TextIO) -> int:
    """Validate the content and print every problem at once."""
    try:
        content = load_content(content_dir)
    except ContentInvalid as exc:
        for error in exc.errors:
            print(error, file=out)
        print(f"{len(exc.errors)} problem(s) found", file=out)
        return PROBLEM
    for warning in (*content.warnings, *near_duplicates(content)):
        print(warning, file=out)
    examples = sum(len(i.examples) for i in content.intents.values())
    print(f"ok: {len(content.intents)} intents, {len(content.responses)} responses, {examples} examples", file=out)
    return OK


def _report(args: argparse.Namespace, settings: Settings, content_dir: Path, out: TextIO) -> int:
    """Print the question-log report, optionally as CSV and a chart too."""
    from bot import report  # the log's reader is only needed here

    if args.since is not None and args.since < 1:
        print("painbot: --since must be at least 1 day", file=sys.stderr)
        return USAGE
    try:
        stopwords = load_rules(content_dir).stopwords  # questions are grouped without the matcher's stopwords
    except ContentInvalid as exc:
        print(exc, file=sys.stderr)
        return PROBLEM
    try:
        built = report.build_report(settings.db_path, args.since, stopwords)
        print(report.format_report(built), file=out)
        if args.csv:
            report.write_csv(built, args.csv)
            print(f"wrote {args.csv}", file=out)
        if args.chart:
            report.draw_chart(built, args.chart)
            print(f"wrote {args.chart}", file=out)
    except (report.QuestionLogError, OSError) as exc:
        print(f"painbot: {exc}", file=sys.stderr)
        return PROBLEM
    return OK


def _ask(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Print one reply and the intent it answers."""
    match = engine.decide(args.text, args.chat)
    reply = engine.render(match, args.chat)
    print(reply.plain(), file=out)
    print(f"\n[intent: {match.intent_id or 'none'}, score: {match.score:.0f}, reply: {reply.kind}]", file=out)
    explained = engine.explain(args.text) if getattr(args, "verbose", False) else None
    if explained is not None:  # what the safety layer read
        rule = f"rule {match.alert.rule}" if match.alert else "no rule fired"
        print(f"[safety: {rule}]\n{explained}", file=out)
    return OK


def _chat(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Hold a conversation in the terminal."""
    print("painbot in the terminal: type a question, a number to press a button, /quit to leave.", file=out)
    TerminalChat(engine, reader_for(inp, out), out).run()
    return OK


def _classify(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Decide each JSON line's intent: exactly one output line per input line, errors included."""
    for line in _lines(inp, MAX_LINE_CHARS):
        result = (
            classify_line(engine, line)
            if line is not None
            else {"error": f"line longer than {MAX_LINE_CHARS} characters"}
        )
        out.write(json.dumps(result) + "\n")
        out.flush()  # one answer per question as it comes, so a program can talk to classify line by line
    return OK


def _lines(inp: TextIO, limit: int) -> Iterator[str | None]:
    """Each line of a stream, or None for a line over limit characters (skipped, never held whole)."""
    while line := inp.readline(limit + 1):
        if len(line) > limit and not line.endswith("\n"):
            while line and not line.endswith("\n"):
                line = inp.readline(limit)
            yield None
        else:
            yield line


def classify_line(engine: Engine, line: str) -> dict[str, object]:
    """One input line to one output object."""
    if not line.strip():
        return {"error": "blank line"}
    if _depth(line) > MAX_DEPTH:
        return {"error": f"nested more than {MAX_DEPTH} levels deep"}
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not JSON: {exc.msg}"}
    if not isinstance(item, dict) or not isinstance(item.get("text"), str):
        return {"error": 'expected an object with a "text" string'}
    if len(item["text"]) > MAX_TEXT_CHARS:
        return {"error": f'"text" is longer than {MAX_TEXT_CHARS} characters, Telegram\'s limit for a message'}
    chat = item.get("chat", "private")
    if chat not in CHATS:
        return {"error": f'"chat" must be "private" or "group", not {chat!r}'}
    match = engine.decide(item["text"], chat)
    result: dict[str, object] = {"intent": match.intent_id, "score": round(match.score)}
    if match.alert is not None and match.alert.tier:
        result["tier"] = match.alert.tier
    if match.ambiguous:
        result["ambiguous"] = True
    if match.runner_up:
        result["runner_up"] = match.runner_up.intent_id
    if also := engine.answer_parts(match)[1:]:
        result["also"] = list(also)
    return result


def _depth(line: str) -> int:
    """How deeply a JSON line nests arrays and objects (brackets inside strings do not count)."""
    if line.count("[") + line.count("{") <= MAX_DEPTH:
        return 0  # cannot be too deep: skip the character walk for every ordinary line
    depth = deepest = 0
    in_string = escaped = False
    for char in line:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _eval(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Print the figures for a labelled file (or a cross-validation); fail on a bad label or a missed crisis,
    emergency or red flag."""
    if (args.file is None) == (args.cv is None) or (args.cv is not None and args.cv < 2):
        print("painbot: eval needs a labelled FILE, or --cv K with K at least 2 (not both)", file=sys.stderr)
        return USAGE
    if args.cv is not None:
        report = cross_validate(engine, args.cv)
    else:
        try:
            items = load_labelled(args.file, known_labels(engine))
        except ContentInvalid as exc:
            print(exc, file=sys.stderr)
            print(f"painbot: {args.file} has {len(exc.errors)} problem(s); nothing was measured", file=sys.stderr)
            return PROBLEM
        report = evaluate(engine, items)
    code = PROBLEM if report.safety_missed else OK
    try:
        print(format_report(report, getattr(args, "verbose", False)), file=out)
        out.flush()
    except BrokenPipeError:
        _reader_gone(out)  # the figures were cut short (| head), but the safety gate still decides
    return code


def _run(args: argparse.Namespace, engine: Engine, settings: Settings, inp: TextIO, out: TextIO) -> int:
    """Start the Telegram bot, or the terminal chat when there is no token and a person is typing."""
    if not settings.telegram_bot_token and (args.webhook or not inp.isatty()):
        print(NO_TOKEN, file=sys.stderr)  # a service must fail, so its supervisor sees it and restarts
        return PROBLEM
    if not settings.telegram_bot_token:
        print("No TELEGRAM_BOT_TOKEN is set, so painbot opens as a chat here in the terminal.", file=out)
        return _chat(args, engine, settings, inp, out)
    from bot.app import run_bot  # imported late: the terminal verbs never need Telegram

    return run_bot(settings, engine, args.webhook)


_VERBS = {"ask": _ask, "chat": _chat, "classify": _classify, "eval": _eval, "run": _run}

if __name__ == "__main__":
    raise SystemExit(main())
