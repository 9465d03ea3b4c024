import io
import json
from pathlib import Path

from bot import cli, cli_questions

SEED = Path(__file__).parent.parent / "seeds" / "moscow-ankara-airstrike.txt"
FIELDS = {
    "id", "kind", "question", "options", "answer_index", "explanation", "evidence",
    "difficulty", "score",
}  # fmt: skip


def test_generate_json_prints_one_object_per_article(capsys):
    assert cli.main(["generate", str(SEED), str(SEED), "-n", "4", "--json"]) == 0
    lines = capsys.readouterr().out.strip().split("\n")
    assert len(lines) == 2
    quiz = json.loads(lines[0])
    assert set(quiz) == {"title", "questions"}
    assert len(quiz["questions"]) == 4
    raw = SEED.read_text(encoding="utf-8")
    for q in quiz["questions"]:
        assert set(q) == FIELDS
        assert set(q["evidence"]) == {"text", "start", "end"}
        assert raw[q["evidence"]["start"] : q["evidence"]["end"]] == q["evidence"]["text"]


def test_generate_text_shows_options_answer_and_evidence(capsys):
    assert cli.main(["generate", str(SEED), "-n", "all"]) == 0
    out = capsys.readouterr().out
    assert "   A) " in out
    assert "Answer: " in out
    assert "Evidence: A joint Russian, Turkish, and Iranian group was set up in Astana" in out


def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert cli.main(["generate", str(empty)]) == 2
    err = capsys.readouterr().err
    assert err == f"quizbot: {empty}: the file is empty\n"
    assert cli.main(["generate", str(tmp_path / "missing.txt")]) == 2
    assert capsys.readouterr().err.strip().endswith("no such file")


def test_one_bad_input_among_several_still_prints_the_good_ones(tmp_path, capsys):
    assert cli.main(["generate", str(tmp_path / "missing.txt"), str(SEED), "--json"]) == 2
    captured = capsys.readouterr()
    assert len(captured.out.strip().split("\n")) == 1
    assert "no such file" in captured.err


def test_play_scores_the_answers_given(capsys):
    args = cli.build_parser().parse_args(["play", str(SEED), "-n", "3"])
    from questions import generate_quiz, load_article

    quiz = generate_quiz(load_article(SEED), n=3)
    letters = [cli_questions.LETTERS[q.answer_index] for q in quiz.questions]
    letters[1] = cli_questions.LETTERS[(quiz.questions[1].answer_index + 1) % 3]
    stdin = io.StringIO("z\n" + "\n".join(letters) + "\n")
    assert cli_questions.cmd_play(args, stdin=stdin) == 0
    out = capsys.readouterr().out
    assert "Type one of" in out
    assert "Wrong: it is" in out
    assert "Score: 2/3" in out
