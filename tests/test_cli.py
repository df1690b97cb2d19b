"""The painbot command, run in-process (and once as a real process)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.cli import VERBS, Verb, _parser, main
from bot.content import load_content
from bot.engine import Engine
from bot.settings import PROJECT_ROOT

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _no_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder so no developer .env is read."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)


def run(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


@pytest.fixture
def broken(make_content: Path) -> Path:
    root = make_content
    (root / "intents" / "causes.yaml").write_text(
        "id: causes\nresponse: causes\nexamples: [what causes it]\nexampels: [why]\n"
    )
    (root / "responses" / "fixes.yaml").write_text("id: fixes\ntitle: Fixes\ntext: <p>Fix it</p>\n")
    return root


# --- check ------------------------------------------------------------------------


def test_check_clean_content(mini_dir: Path) -> None:
    code, out = run("--content", str(mini_dir), "check")
    assert code == 0
    assert out.splitlines()[-1] == "ok: 14 intents, 24 responses, 26 examples"


def test_check_broken_content_prints_every_problem(broken: Path) -> None:
    code, out = run("--content", str(broken), "check")
    lines = out.splitlines()
    assert code == 1
    assert len(lines) == 3
    assert lines[0].startswith("intents/causes.yaml:4: unknown key 'exampels' (expected one of: ")
    assert lines[1] == "responses/fixes.yaml:3: text: tag <p> is not allowed by Telegram (use b, i, u, s, a, code)"
    assert lines[2] == "2 problem(s) found"


def test_check_prints_warnings_but_passes(make_content: Path) -> None:
    root = make_content
    (root / "intents" / "fixes.yaml").write_text("id: fixes\nresponse: fixes\nexamples: [what causes it]\n")
    code, out = run("--content", str(root), "check")
    assert code == 0
    assert "intents/causes.yaml:6: warning: example 'what causes it' is nearly the same" in out
    assert out.splitlines()[-1].startswith("ok:")


def test_content_folder_can_come_from_the_environment(mini_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINBOT_CONTENT", str(mini_dir))
    assert run("check")[0] == 0


# --- ask --------------------------------------------------------------------------


def test_ask_prints_the_reply_and_the_intent(mini_dir: Path) -> None:
    code, out = run("--content", str(mini_dir), "ask", "What causes it?")
    assert code == 0
    assert out.startswith("Causes answer.\nContact: physio@example.org\n  [1] Fixes\n  [2] See someone\n")
    assert "[intent: causes, score: " in out and "reply: answer]" in out


def test_ask_verbose_shows_what_the_safety_layer_read(mini_dir: Path) -> None:
    out = run("--content", str(mini_dir), "ask", "-v", "my groin is numb")[1]
    assert "[safety: rule saddle_numbness]\nwords: my groin is numb\nconcepts: saddle@1, numb@3" in out
    assert "[safety: no rule fired]" in run("--content", str(mini_dir), "ask", "-v", "what causes it")[1]


def test_ask_in_a_group_gives_the_short_answer(mini_dir: Path) -> None:
    code, out = run("--content", str(mini_dir), "ask", "where does it hurt", "--chat", "group")
    assert out.startswith("Short symptoms Contact: physio@example.org\n  [1] More on this")


def test_ask_prints_the_pictures_path_and_alt_text(mini_dir: Path) -> None:
    out = run("--content", str(mini_dir), "ask", "what is overstriding")[1]
    assert "[picture: images/sit-bone.png: Diagram: a test picture.]" in out
    group = run("--content", str(mini_dir), "ask", "what is overstriding", "--chat", "group")[1]
    assert "[picture:" not in group  # the short group answer goes without it


def test_ask_nonsense_gets_the_fallback(mini_dir: Path) -> None:
    out = run("--content", str(mini_dir), "ask", "asdf qwer zxcv")[1]
    assert "[intent: none" in out and "reply: fallback]" in out


def test_ask_uses_the_emergency_number_from_env_file(mini_dir: Path) -> None:
    Path(".env").write_text("PAINBOT_EMERGENCY_NUMBER=112\n")
    out = run("--content", str(mini_dir), "ask", "my groin is numb")[1]
    assert out.startswith("Call 112 now.")
    assert "reply: urgent]" in out


# --- classify ---------------------------------------------------------------------


def classify(mini_dir: Path, *lines: str) -> list[dict[str, object]]:
    code, out = run("--content", str(mini_dir), "classify", stdin="\n".join(lines) + "\n")
    assert code == 0
    return [json.loads(line) for line in out.splitlines()]


def test_classify_answers_each_line_in_order(mini_dir: Path) -> None:
    results = classify(mini_dir, '{"text": "what causes it"}', '{"text": "my groin is numb"}', '{"text": "asdf"}')
    assert [r["intent"] for r in results] == ["causes", "red_flags", None]
    assert results[1]["tier"] == "now" and "tier" not in results[0]


def test_classify_reports_crisis_and_emergency(mini_dir: Path) -> None:
    results = classify(mini_dir, '{"text": "i want to die"}', '{"text": "chest pain on my run"}')
    assert [(r["intent"], r["score"]) for r in results] == [("crisis", 100), ("emergency", 100)]
    assert all(isinstance(r["score"], int) for r in results)


def test_classify_respects_chat(mini_dir: Path) -> None:
    results = classify(mini_dir, '{"text": "hello", "chat": "group"}', '{"text": "hello", "chat": "private"}')
    assert [r["intent"] for r in results] == [None, "greeting"]


def test_classify_bad_json_line_gets_an_error_and_the_rest_go_on(mini_dir: Path) -> None:
    results = classify(mini_dir, '{"text": "hello"', '{"text": "what causes it"}')
    assert set(results[0]) == {"error"} and str(results[0]["error"]).startswith("not JSON")
    assert results[1]["intent"] == "causes"


@pytest.mark.parametrize("line", ['["hello"]', '"hello"', "42", "null", '{"txt": "hello"}', '{"text": 5}'])
def test_classify_needs_an_object_with_text(mini_dir: Path, line: str) -> None:
    assert classify(mini_dir, line) == [{"error": 'expected an object with a "text" string'}]


@pytest.mark.parametrize("chat", ['"channel"', "null", "1"])
def test_classify_refuses_a_bad_chat(mini_dir: Path, chat: str) -> None:
    [result] = classify(mini_dir, f'{{"text": "hello", "chat": {chat}}}')
    assert str(result["error"]).startswith('"chat" must be "private" or "group"')


def test_classify_answers_blank_lines_so_output_lines_up(mini_dir: Path) -> None:
    results = classify(mini_dir, "", '{"text": "hello"}', "   ")
    assert results == [{"error": "blank line"}, {"intent": "greeting", "score": 100}, {"error": "blank line"}]


def test_classify_one_output_line_per_input_line_whatever_comes(mini_dir: Path) -> None:
    lines = [
        "",
        '{"text": "what causes it"}',
        "not json",
        "[" * 1000 + "]" * 1000,
        '{"text": "x" * 5}',
        '{"text": "\\ud800 lone surrogate"}',
        "\t",
        '{"text": "' + "a " * 3000 + '"}',
        '{"text": "hello"}',
    ]
    results = classify(mini_dir, *lines)
    assert len(results) == len(lines)
    assert results[1]["intent"] == "causes" and results[-1]["intent"] == "greeting"


def test_classify_refuses_deep_nesting_before_parsing(mini_dir: Path) -> None:
    [deep] = classify(mini_dir, "[" * 1000 + "]" * 1000)
    assert deep == {"error": "nested more than 16 levels deep"}


def test_classify_does_not_count_brackets_inside_strings(mini_dir: Path) -> None:
    text = json.dumps({"text": "what causes it " + "[{" * 40 + '\\" ' + "[" * 40})
    [result] = classify(mini_dir, text)
    assert result["intent"] == "causes"


def test_classify_refuses_an_overlong_line_and_goes_on(mini_dir: Path) -> None:
    results = classify(mini_dir, '{"text": "' + "a" * 70_000 + '"}', '{"text": "what causes it"}')
    assert results[0] == {"error": "line longer than 65536 characters"}
    assert results[1]["intent"] == "causes"


def test_classify_refuses_a_text_longer_than_telegram_allows(mini_dir: Path) -> None:
    [result] = classify(mini_dir, json.dumps({"text": "pain " * 1000}))
    assert "longer than 4096 characters" in str(result["error"])


def test_classify_replaces_undecodable_bytes(mini_dir: Path) -> None:
    raw = io.TextIOWrapper(
        io.BytesIO(b'\xff\xfe\n{"text": "what causes it \xff"}\n'), encoding="utf-8", errors="strict"
    )
    out = io.StringIO()
    assert main(["--content", str(mini_dir), "classify"], stdin=raw, stdout=out) == 0
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert str(first["error"]).startswith("not JSON")
    assert second["intent"] == "causes"


def test_classify_reports_ambiguity(ambiguous_content: Path) -> None:
    [result] = classify(ambiguous_content, '{"text": "how do I treat my hamstring"}')
    assert result["ambiguous"] is True
    assert {result["intent"], result["runner_up"]} == {"fixes", "rehab"}


def test_classify_always_reports_the_runner_up(mini_dir: Path) -> None:
    [result] = classify(mini_dir, '{"text": "what causes it"}')
    assert result["intent"] == "causes"
    assert "ambiguous" not in result
    assert isinstance(result["runner_up"], str) and result["runner_up"] != "causes"


# --- eval -------------------------------------------------------------------------


def labelled(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dev.yaml"
    path.write_text(text)
    return path


def test_eval_prints_figures_and_passes(mini_dir: Path, tmp_path: Path) -> None:
    path = labelled(
        tmp_path,
        "- text: what causes it\n  intent: causes\n- text: my groin is numb\n  intent: red_flags\n"
        "- text: my knee hurts\n",
    )
    code, out = run("--content", str(mini_dir), "eval", str(path))
    assert code == 0
    assert "in-scope accuracy" in out and "2/2" in out
    assert "nulls rejected" in out and "red-flag recall" in out


def test_eval_fails_when_a_red_flag_is_missed(mini_dir: Path, tmp_path: Path) -> None:
    path = labelled(tmp_path, "- text: hello\n  intent: red_flags\n- text: my groin is numb\n  intent: red_flags\n")
    code, out = run("--content", str(mini_dir), "eval", str(path))
    assert code == 1
    assert "red-flag recall" in out and "1/2" in out


def test_eval_verbose_lists_misses(mini_dir: Path, tmp_path: Path) -> None:
    path = labelled(tmp_path, "- text: what causes it\n  intent: fixes\n")
    code, out = run("--content", str(mini_dir), "eval", "-v", str(path))
    assert code == 0
    assert "line 1: 'what causes it' expected fixes, got causes" in out


def test_eval_bad_labelled_file_exits_1(mini_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = labelled(tmp_path, "- text: hello\n  chat: channel\n")
    code, out = run("--content", str(mini_dir), "eval", str(path))
    assert code == 1 and out == ""
    assert f"{path}:2: chat must be private or group" in capsys.readouterr().err


def test_eval_unknown_label_is_a_path_line_error(
    mini_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = labelled(tmp_path, "- text: my groin is numb\n  intent: red_flags\n- text: hello\n  intent: red_flag\n")
    code, out = run("--content", str(mini_dir), "eval", str(path))
    err = capsys.readouterr().err.splitlines()
    assert code == 1 and out == ""
    assert err[0] == (
        f"{path}:4: intent: unknown label 'red_flag'; did you mean 'red_flags'? "
        "(an intent id, crisis or emergency, or null)"
    )
    assert err[1] == f"painbot: {path} has 1 problem(s); nothing was measured"


@pytest.mark.parametrize("label", ["[causes, nope]", "[]", "5", "true"])
def test_eval_refuses_other_bad_labels(
    mini_dir: Path, tmp_path: Path, label: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = labelled(tmp_path, f"- text: hello\n  intent: {label}\n")
    assert run("--content", str(mini_dir), "eval", str(path))[0] == 1
    assert capsys.readouterr().err.startswith(f"{path}:2: intent: ")


def test_eval_accepts_safety_kinds_lists_and_null(
    mini_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = labelled(tmp_path, "- text: what causes it\n  intent: [causes, fixes]\n- text: my knee\n  intent: null\n")
    assert run("--content", str(mini_dir), "eval", str(path))[0] == 0
    path = labelled(tmp_path, "- text: hello\n  intent: crisis\n- text: hi\n  intent: emergency\n")
    code, out = run("--content", str(mini_dir), "eval", str(path))
    assert "messages            2" in out and capsys.readouterr().err == ""  # measured, not refused
    assert code == 1  # and greetings labelled crisis and emergency are safety misses


@pytest.mark.parametrize("text", ["[]\n", "{}\n", ""])
def test_eval_refuses_a_file_with_nothing_to_measure(mini_dir: Path, tmp_path: Path, text: str) -> None:
    assert run("--content", str(mini_dir), "eval", str(labelled(tmp_path, text)))[0] == 1


def test_eval_missing_or_undecodable_file_is_one_line(
    mini_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--content", str(mini_dir), "eval", str(tmp_path / "none.yaml"))[0] == 1
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"- text: \xff\xfe\n")
    assert run("--content", str(mini_dir), "eval", str(bad))[0] == 1
    err = capsys.readouterr().err
    assert "cannot read" in err and "not UTF-8" in err and "Traceback" not in err


def test_eval_still_fails_a_missed_red_flag_when_the_reader_leaves(mini_dir: Path, tmp_path: Path) -> None:
    path = labelled(tmp_path, "- text: hello\n  intent: red_flags\n")
    code = main(["--content", str(mini_dir), "eval", str(path)], stdin=io.StringIO(), stdout=ClosedPipe())
    assert code == 1


def test_eval_cv_prints_the_same_table_as_eval(mini_dir: Path) -> None:
    code, out = run("--content", str(mini_dir), "eval", "--cv", "2")
    examples = sum(len(i.examples) for i in load_content(mini_dir).intents.values())
    assert code == 0
    assert f"messages            {examples}\n" in out  # every example of the mini content, held out once
    for heading in ("in-scope accuracy", "nulls rejected", "red-flag recall", "precision"):
        assert heading in out


@pytest.mark.parametrize("args", [[], ["--cv", "2", "x.yaml"], ["--cv", "1"]])
def test_eval_needs_a_file_or_at_least_two_folds(mini_dir: Path, args: list[str]) -> None:
    code, _ = run("--content", str(mini_dir), "eval", *args)
    assert code == 2


# --- chat and run -----------------------------------------------------------------


def test_chat_holds_a_conversation(mini_dir: Path) -> None:
    code, out = run("--content", str(mini_dir), "chat", stdin="what causes it\n/quit\n")
    assert code == 0
    assert "Greeting answer." in out and "Causes answer." in out
    assert out.endswith("Bye - take care.\n")


def test_run_without_token_opens_the_terminal_chat_for_a_person(mini_dir: Path, typed: type[io.StringIO]) -> None:
    out = io.StringIO()
    code = main(["--content", str(mini_dir), "run"], stdin=typed("hello\n"), stdout=out)
    said = out.getvalue()
    assert code == 0
    assert said.startswith("No TELEGRAM_BOT_TOKEN is set, so painbot opens as a chat here in the terminal.")
    assert "Greeting answer." in said
    assert said.endswith("Bye - take care.\n")


@pytest.mark.parametrize("stdin", ["", "hello\n"])
@pytest.mark.parametrize("webhook", [[], ["--webhook", "https://bot.example.org/painbot"]])
def test_run_without_token_and_terminal_fails_in_one_line(
    mini_dir: Path, stdin: str, webhook: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("--content", str(mini_dir), "run", *webhook, stdin=stdin)
    err = capsys.readouterr().err
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "TELEGRAM_BOT_TOKEN" in err and ".env" in err


def test_webhook_without_token_fails_even_at_a_terminal(
    mini_dir: Path, typed: type[io.StringIO], capsys: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    code = main(
        ["--content", str(mini_dir), "run", "--webhook", "https://bot.example.org/p"], stdin=typed("hi\n"), stdout=out
    )
    assert code == 1 and out.getvalue() == ""
    assert "TELEGRAM_BOT_TOKEN is not set" in capsys.readouterr().err


@pytest.mark.parametrize("verb", [["ask", "hello"], ["run"], ["chat"], ["classify"], ["eval", "x.yaml"]])
def test_broken_content_stops_before_anything_starts(
    broken: Path, verb: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run("--content", str(broken), *verb, stdin="hello\n")
    err = capsys.readouterr().err
    assert code == 1
    assert out == ""
    assert "intents/causes.yaml:4: unknown key 'exampels'" in err
    assert "responses/fixes.yaml:3: text: tag <p> is not allowed" in err
    assert f"painbot: the content in {broken} has problems; nothing was started" in err


def test_bad_setting_exits_2_naming_it(
    mini_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAINBOT_RETENTION_DAYS", "forever")
    assert run("--content", str(mini_dir), "ask", "hello")[0] == 2
    assert "PAINBOT_RETENTION_DAYS" in capsys.readouterr().err


def test_missing_verb_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as caught:
        run()
    assert caught.value.code == 2


def test_python_dash_m_bot_entry_point(mini_dir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAINBOT_", "TELEGRAM_"))}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--content", str(mini_dir), "ask", "hello"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Greeting answer.")
    assert "[intent: greeting" in done.stdout


def _seed_log(db: Path) -> None:
    from bot.questionlog import QuestionLog

    with QuestionLog(db) as log:
        log.record(
            "how long will it take",
            chat_type="private",
            intent_id="recovery_time",
            score=80,
            outcome="answer",
            confident=True,
        )
        for text in ("is a sauna good for it", "is the sauna ok for this", "what about saunas"):
            log.record(text, chat_type="group", intent_id=None, score=10, outcome="fallback", confident=False)


def test_report_prints_topics_and_unanswered_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "log.sqlite3"
    _seed_log(db)
    monkeypatch.setenv("PAINBOT_DB", str(db))
    code, out = run("report", "--csv", str(tmp_path / "weeks.csv"))
    assert code == 0
    assert "recovery_time" in out and "sauna" in out
    assert (tmp_path / "weeks.csv").read_text().startswith("week,")


def test_report_on_an_empty_log_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINBOT_DB", str(tmp_path / "none.sqlite3"))
    code, out = run("report")
    assert code == 0 and "no questions" in out.casefold()


def test_report_refuses_a_since_below_one_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAINBOT_DB", str(tmp_path / "none.sqlite3"))
    code, _ = run("report", "--since", "0")
    assert code == 2 and "--since" in capsys.readouterr().err


def test_report_on_a_corrupt_log_is_one_clear_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "log.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("PAINBOT_DB", str(db))
    code, _ = run("report")
    assert code == 1 and capsys.readouterr().err.startswith("painbot: ")


def test_classify_names_the_further_part_of_a_two_part_question() -> None:
    code, out = run(
        "--content",
        str(PROJECT_ROOT),
        "classify",
        stdin='{"text": "what causes this and how long until it settles"}\n{"text": "what causes it"}\n',
    )
    two, one = [json.loads(line) for line in out.splitlines()]
    assert {two["intent"], *two["also"]} == {"causes", "recovery_time"}
    assert "also" not in one


# --- options, help and exits ---------------------------------------------------------


@pytest.mark.parametrize("verb", [["check"], ["ask", "what causes it"], ["classify"], ["chat"]])
def test_global_options_work_before_or_after_the_verb(mini_dir: Path, verb: list[str]) -> None:
    before = run("--content", str(mini_dir), *verb, stdin='{"text": "what causes it"}\n')
    after = run(*verb, "--content", str(mini_dir), stdin='{"text": "what causes it"}\n')
    assert before == after
    assert before[0] == 0 and ("ause" in before[1] or "ok: 14 intents" in before[1])


def test_verbose_works_before_or_after_eval(mini_dir: Path, tmp_path: Path) -> None:
    path = labelled(tmp_path, "- text: what causes it\n  intent: fixes\n")
    for argv in (
        ["-v", "--content", str(mini_dir), "eval", str(path)],
        ["--content", str(mini_dir), "eval", str(path), "-v"],
    ):
        assert "line 1: 'what causes it' expected fixes, got causes" in run(*argv)[1]


def help_page(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as caught:
        run(*argv)
    assert caught.value.code == 0
    return capsys.readouterr().out


def test_main_help_is_a_users_page(capsys: pytest.CaptureFixture[str]) -> None:
    page = help_page(capsys, "--help")
    assert page.startswith("usage: painbot")
    assert "hamstring" in page and "exit codes:" in page
    for verb in VERBS:
        assert f"{verb.name:<13}{verb.summary}" in page
    assert "PAINBOT_DEBUG=1" in page


@pytest.mark.parametrize("verb", VERBS, ids=lambda v: v.name)
def test_every_verb_page_explains_itself(capsys: pytest.CaptureFixture[str], verb: Verb) -> None:
    page = help_page(capsys, verb.name, "--help")
    assert verb.summary in page and verb.details.splitlines()[0] in page
    assert f"example:\n  {verb.example}\n" in page
    assert "reads: " + ", ".join(verb.settings) in page
    assert "--content DIR" in page
    for action in _parser()._subparsers._group_actions[0].choices[verb.name]._actions:  # type: ignore[union-attr,index]
        assert action.help, f"{verb.name}: {action.dest} is not explained"


@pytest.mark.parametrize(
    "argv",
    [["nosuchverb"], ["ask"], ["ask", "hi", "--chat", "channel"], ["report", "--since", "x"], ["check", "--nope"]],
)
def test_wrong_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run(*argv)
    assert caught.value.code == 2
    assert "usage: painbot" in capsys.readouterr().err


class ClosedPipe(io.StringIO):
    """An output whose reader has gone away (| head)."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("verb", [["ask", "hi"], ["classify"], ["chat"], ["check"]])
def test_a_closed_pipe_ends_quietly(mini_dir: Path, verb: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--content", str(mini_dir), *verb], stdin=io.StringIO('{"text": "hi"}\n'), stdout=ClosedPipe())
    assert code == 0
    assert capsys.readouterr().err == ""


def test_ctrl_c_is_one_line_and_exit_130(
    mini_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "decide", interrupted)
    assert run("--content", str(mini_dir), "classify", stdin='{"text": "hi"}\n')[0] == 130
    assert capsys.readouterr().err == "painbot: stopped\n"


def test_unexpected_error_is_one_line_unless_debugging(
    mini_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(Engine, "decide", broken)
    assert run("--content", str(mini_dir), "ask", "hi")[0] == 1
    assert (
        capsys.readouterr().err == "painbot: unexpected error: ValueError: boom (PAINBOT_DEBUG=1 shows the details)\n"
    )
    monkeypatch.setenv("PAINBOT_DEBUG", "1")
    assert run("--content", str(mini_dir), "ask", "hi")[0] == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback") and err.endswith("painbot: unexpected error: ValueError: boom\n")
    monkeypatch.delenv("PAINBOT_DEBUG")
    assert run("-v", "--content", str(mini_dir), "ask", "hi")[0] == 1
    assert capsys.readouterr().err.startswith("Traceback")


# --- as a real process: bytes, pipes and signals ------------------------------------


def painbot(*argv: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.Popen[bytes]:
    """Start `python -m bot` as a user's shell would, with no developer settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PAINBOT_", "TELEGRAM_"))}
    clean.update(PYTHONPATH=str(ROOT) + os.pathsep + clean.get("PYTHONPATH", ""), LANG="en_US.UTF-8", **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "bot", *argv], env=clean, **kwargs)  # type: ignore[call-overload]


@pytest.mark.parametrize("verb", ["classify", "chat"])
def test_undecodable_stdin_under_a_strict_utf8_locale(mini_dir: Path, verb: str) -> None:
    proc = painbot(
        "--content",
        str(mini_dir),
        verb,
        env={"PYTHONIOENCODING": "utf-8:strict"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = proc.communicate(b'\xff\xfe\n{"text": "what causes it"}\n', timeout=30)
    assert proc.returncode == 0, err
    assert err == b""
    assert (b'"causes"' if verb == "classify" else b"Causes answer.") in out


def test_closed_pipe_as_a_real_process(mini_dir: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text('{"text": "hello"}\n' * 3000)  # far more output than a pipe holds
    with questions.open("rb") as source:
        proc = painbot(
            "--content", str(mini_dir), "classify", stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b'{"intent": "greeting"')
        proc.stdout.close()
        assert proc.wait(timeout=30) == 0
        assert proc.stderr.read() == b""


def test_ctrl_c_as_a_real_process(mini_dir: Path) -> None:
    proc = painbot(
        "--content", str(mini_dir), "classify", stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.write(b'{"text": "hi"}\n')
    proc.stdin.flush()
    proc.stdout.readline()  # it is past start-up and waiting for the next line
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert proc.stderr.read() == b"painbot: stopped\n"
    proc.stdin.close()
    proc.stdout.close()


@pytest.mark.parametrize(
    "make", [lambda p: p.mkdir(), lambda p: p.write_bytes(b"PAINBOT_DB=\xff\n")], ids=["folder", "not-utf8"]
)
def test_an_unreadable_env_file_is_one_line(
    mini_dir: Path, make: Callable[[Path], object], capsys: pytest.CaptureFixture[str]
) -> None:
    make(Path(".env"))
    assert run("--content", str(mini_dir), "ask", "hello")[0] == 1
    err = capsys.readouterr().err
    assert err.startswith("painbot: cannot read ") and ".env" in err and err.count("\n") == 1
