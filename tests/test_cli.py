"""The painbot command, run in-process (and once as a real process)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
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
        "id: causes\nresponse: causes\nexamples: [what causes it]\nexampels: [why]\n")
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
    assert "intents/causes.yaml:2: warning: example 'what causes it' is nearly the same" in out
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


def test_ask_in_a_group_gives_the_short_answer(mini_dir: Path) -> None:
    code, out = run("--content", str(mini_dir), "ask", "where does it hurt", "--chat", "group")
    assert out.startswith("Short symptoms Contact: physio@example.org\n  [1] More on this")


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


def test_classify_skips_blank_lines(mini_dir: Path) -> None:
    assert len(classify(mini_dir, "", '{"text": "hello"}', "   ")) == 1


def test_classify_reports_ambiguity(ambiguous_content: Path) -> None:
    [result] = classify(ambiguous_content, '{"text": "how do I treat my hamstring"}')
    assert result["ambiguous"] is True
    assert {result["intent"], result["runner_up"]} == {"fixes", "rehab"}


# --- eval -------------------------------------------------------------------------

def labelled(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dev.yaml"
    path.write_text(text)
    return path


def test_eval_prints_figures_and_passes(mini_dir: Path, tmp_path: Path) -> None:
    path = labelled(tmp_path, "- text: what causes it\n  intent: causes\n- text: my groin is numb\n  intent: red_flags\n"
                              "- text: my knee hurts\n")
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


def test_eval_bad_labelled_file_exits_2(mini_dir: Path, tmp_path: Path) -> None:
    path = labelled(tmp_path, "- text: hello\n  chat: channel\n")
    code, out = run("--content", str(mini_dir), "eval", str(path))
    assert code == 2
    assert f"{path}:2: chat must be private or group" in out


# --- chat and run -----------------------------------------------------------------

def test_chat_holds_a_conversation(mini_dir: Path) -> None:
    code, out = run("--content", str(mini_dir), "chat", stdin="what causes it\n/quit\n")
    assert code == 0
    assert "Greeting answer." in out and "Causes answer." in out
    assert out.endswith("Bye - take care.\n")


def test_run_without_token_opens_the_terminal_chat(mini_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    code, out = run("--content", str(mini_dir), "run", stdin="hello\n")
    assert code == 0
    assert out.startswith("No TELEGRAM_BOT_TOKEN is set, so painbot opens as a chat here in the terminal.")
    assert "Greeting answer." in out
    assert out.endswith("Bye - take care.\n")


@pytest.mark.parametrize("verb", [["ask", "hello"], ["run"], ["chat"], ["classify"], ["eval", "x.yaml"]])
def test_broken_content_stops_before_anything_starts(broken: Path, verb: list[str],
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run("--content", str(broken), *verb, stdin="hello\n")
    err = capsys.readouterr().err
    assert code == 1
    assert out == ""
    assert "intents/causes.yaml:4: unknown key 'exampels'" in err
    assert "responses/fixes.yaml:3: text: tag <p> is not allowed" in err
    assert f"painbot: the content in {broken} has problems; nothing was started" in err


def test_bad_setting_exits_2_naming_it(mini_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
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
    done = subprocess.run([sys.executable, "-m", "bot", "--content", str(mini_dir), "ask", "hello"],
                          capture_output=True, text=True, env=env, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Greeting answer.")
    assert "[intent: greeting" in done.stdout


def _seed_log(db: Path) -> None:
    from bot.questionlog import QuestionLog

    with QuestionLog(db) as log:
        log.record("how long will it take", chat_type="private", intent_id="recovery_time", score=80,
                   outcome="answer", confident=True)
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


def test_report_refuses_a_since_below_one_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("PAINBOT_DB", str(tmp_path / "none.sqlite3"))
    code, _ = run("report", "--since", "0")
    assert code == 2 and "--since" in capsys.readouterr().err


def test_report_on_a_corrupt_log_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "log.sqlite3"
    db.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("PAINBOT_DB", str(db))
    code, _ = run("report")
    assert code == 1 and capsys.readouterr().err.startswith("painbot: ")


def test_classify_names_the_further_part_of_a_two_part_question() -> None:
    code, out = run("--content", str(PROJECT_ROOT), "classify",
                    stdin='{"text": "what causes this and how long until it settles"}\n{"text": "what causes it"}\n')
    two, one = [json.loads(line) for line in out.splitlines()]
    assert {two["intent"], *two["also"]} == {"causes", "recovery_time"}
    assert "also" not in one
