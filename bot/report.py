"""A teacher's report of one run: a CSV (per student, per question) and a PNG chart."""

from __future__ import annotations

import csv
import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from storage import Store
from storage.records import Answer, RunReport


def build(store: Store, run_id: int) -> tuple[bytes, bytes]:
    """The run's CSV and chart, as bytes."""
    run_report = store.run_report(run_id)
    answers = store.get_answers(run_id)
    return csv_bytes(run_report, answers), chart_png(run_report)


def csv_rows(run_report: RunReport, answers: tuple[Answer, ...]) -> list[list[object]]:
    """Students with one column per question (1 right, 0 wrong, empty unanswered), a blank
    row, then one row per question."""
    by_cell = {(a.user_id, a.question_id): a for a in answers}
    questions = run_report.questions
    rows: list[list[object]] = [
        [
            "student_id",
            "student",
            "answered",
            "correct",
            "asked",
            "total_seconds",
            *(f"q{q.seq}" for q in questions),
        ]
    ]
    for s in run_report.students:
        cells = []
        for q in questions:
            answer = by_cell.get((s.user_id, q.question_id))
            cells.append("" if answer is None else int(answer.correct))
        rows.append(
            [
                s.user_id,
                s.name,
                s.answered,
                s.correct,
                s.asked,
                round(s.total_ms / 1000, 3),
                *cells,
            ]
        )
    question_block = list(run_report.csv_rows())
    start = question_block.index([])
    rows.extend(question_block[start:])
    return rows


def csv_bytes(run_report: RunReport, answers: tuple[Answer, ...]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(csv_rows(run_report, answers))
    return out.getvalue().encode("utf-8")


def chart_png(run_report: RunReport) -> bytes:
    """Per-question correct rates and the distribution of scores, side by side."""
    figure = Figure(figsize=(10, 4), dpi=100)
    rates_axes, scores_axes = figure.subplots(1, 2)
    seqs = [q.seq for q in run_report.questions]
    rates = [100 * (q.correct_rate or 0.0) for q in run_report.questions]
    rates_axes.bar([str(s) for s in seqs], rates, color="#4c72b0")
    rates_axes.set_ylim(0, 100)
    rates_axes.set_xlabel("question")
    rates_axes.set_ylabel("% correct")
    rates_axes.set_title("Correct answers per question")
    asked = len(run_report.questions)
    scores = [s.correct for s in run_report.students]
    counts = [scores.count(k) for k in range(asked + 1)]
    scores_axes.bar([str(k) for k in range(asked + 1)], counts, color="#55a868")
    scores_axes.set_xlabel(f"questions right (of {asked})")
    scores_axes.set_ylabel("students")
    scores_axes.set_title("Scores")
    figure.suptitle(run_report.quiz_title[:80])
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
