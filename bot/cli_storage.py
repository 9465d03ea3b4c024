"""`quizbot report`, `quizbot db backup` and `quizbot db check`: parse, call the store, print."""

from __future__ import annotations

import argparse
import csv
import sys

from storage import DatabaseUnreadable, StorageError, Store

USER_ERRORS: tuple[type[Exception], ...] = (StorageError,)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this module's commands to the `quizbot` parser."""
    report = sub.add_parser(
        "report", help="write a teacher's report of a quiz run as CSV", description=_db_note()
    )
    report.add_argument("run_id", type=int, metavar="RUN_ID", help="the run to report on")
    report.add_argument(
        "--csv", required=True, metavar="FILE", help="where to write the CSV ('-' for stdout)"
    )
    report.set_defaults(handler=run_report)

    db = sub.add_parser("db", help="database maintenance", description=_db_note())
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    backup = db_sub.add_parser("backup", help="copy the database to a new file while in use")
    backup.add_argument("path", metavar="PATH", help="the new file (must not exist)")
    backup.set_defaults(handler=run_backup)
    check = db_sub.add_parser("check", help="integrity and foreign-key check; exit 1 on a problem")
    check.set_defaults(handler=run_check)


def _db_note() -> str:
    return "The database is $QUIZBOT_DB (default ./quizbot.db)."


def run_report(args: argparse.Namespace) -> int:
    with Store.from_env(create=False) as store:
        report = store.run_report(args.run_id)
    if args.csv == "-":
        csv.writer(sys.stdout).writerows(report.csv_rows())
    else:
        with open(args.csv, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(report.csv_rows())
        print(
            f"Wrote the report of run {args.run_id} ({len(report.students)} students, "
            f"{len(report.questions)} questions) to {args.csv}."
        )
    return 0


def run_backup(args: argparse.Namespace) -> int:
    with Store.from_env(create=False) as store:
        store.backup(args.path)
    print(f"Backed up to {args.path}.")
    return 0


def run_check(args: argparse.Namespace) -> int:
    try:
        store = Store.from_env(create=False, migrate=False)
    except DatabaseUnreadable as exc:
        print(exc)
        return 1
    with store:
        problems = store.check()
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("ok")
    return 0
