"""Agreements, their terms and the workers' ratings in SQL; implements `bot.outcomes.OutcomeStore`, and
the unit of work the outcome use cases run in. Every write joins the caller's unit of work."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime

import aiosqlite

from bot.cases.machine import Payment
from bot.documents import AgreementTerm
from bot.outcomes import (
    AgreementDraft,
    ApplicationAnswers,
    Rating,
    StoredAgreement,
    StoredApplication,
    StoredRating,
    StoredTerm,
)
from storage.cases import SQLiteTransaction, SQLiteUnitOfWork
from storage.db import Database
from storage.timestamps import utc_text

_TERM_COLUMNS = "id, case_id, position, description, kind, amount, due_on, payment, answered_at"


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _term(row: aiosqlite.Row) -> StoredTerm:
    term = AgreementTerm(description=row["description"], kind=row["kind"], amount=row["amount"],
                         due_on=_day(row["due_on"]))
    return StoredTerm(id=row["id"], case_id=row["case_id"], position=row["position"], term=term,
                      payment=Payment(row["payment"]) if row["payment"] else None,
                      answered_at=datetime.fromisoformat(row["answered_at"]) if row["answered_at"] else None)


class OutcomeRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save_agreement(self, case_id: int, draft: AgreementDraft, *, made_on: date, by: int | None,
                             now: datetime) -> StoredAgreement:
        employer = {"name": draft.employer_name, "address": draft.employer_address, "contact": draft.employer_contact}
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO agreements (case_id, matters, employer, made_on, created_by, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET matters = excluded.matters,"
                " employer = excluded.employer, made_on = excluded.made_on, created_by = excluded.created_by,"
                " updated_at = excluded.updated_at",
                (case_id, json.dumps(draft.matters, ensure_ascii=False), json.dumps(employer, ensure_ascii=False),
                 made_on.isoformat(), by, utc_text(now)),
            )
            await conn.execute("DELETE FROM agreement_terms WHERE case_id = ?", (case_id,))
            await conn.executemany(
                "INSERT INTO agreement_terms (case_id, position, description, kind, amount, due_on)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(case_id, position, term.description, term.kind,
                  str(term.amount) if term.amount is not None else None,
                  term.due_on.isoformat() if term.due_on else None)
                 for position, term in enumerate(draft.terms, start=1)],
            )
        stored = await self.agreement(case_id)
        if stored is None:  # written just above, in this transaction
            raise RuntimeError(f"agreement of case {case_id} not found after saving it")
        return stored

    async def agreement(self, case_id: int) -> StoredAgreement | None:
        async with self._db.read() as conn:
            async with conn.execute(
                "SELECT case_id, matters, employer, made_on, effective_on, confirm_by, created_by FROM agreements"
                " WHERE case_id = ?", (case_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            async with conn.execute(
                f"SELECT {_TERM_COLUMNS} FROM agreement_terms WHERE case_id = ? ORDER BY position", (case_id,)
            ) as cursor:
                terms = [_term(term) for term in await cursor.fetchall()]
        employer = json.loads(row["employer"])
        draft = AgreementDraft(matters=json.loads(row["matters"]), terms=[term.term for term in terms],
                               employer_name=employer.get("name"), employer_address=employer.get("address"),
                               employer_contact=employer.get("contact"))
        return StoredAgreement(case_id=row["case_id"], draft=draft, terms=terms, made_on=_day(row["made_on"]),
                               effective_on=_day(row["effective_on"]), confirm_by=_day(row["confirm_by"]),
                               created_by=row["created_by"])

    async def set_effective(self, case_id: int, effective_on: date, confirm_by: date, *, now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE agreements SET effective_on = ?, confirm_by = ?, updated_at = ? WHERE case_id = ?",
                (effective_on.isoformat(), confirm_by.isoformat(), utc_text(now), case_id),
            )

    async def term(self, term_id: int) -> StoredTerm | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_TERM_COLUMNS} FROM agreement_terms WHERE id = ?", (term_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _term(row) if row else None

    async def answer_term(self, term_id: int, answer: Payment, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE agreement_terms SET payment = ?, answered_at = ? WHERE id = ?",
                               (answer, utc_text(at), term_id))

    async def ask_rating(self, case_id: int, *, at: datetime) -> bool:
        async with self._db.transaction() as conn, conn.execute(
            "INSERT INTO case_ratings (case_id, asked_at) VALUES (?, ?) ON CONFLICT (case_id) DO NOTHING",
            (case_id, utc_text(at)),
        ) as cursor:
            return cursor.rowcount == 1

    async def rating(self, case_id: int) -> StoredRating | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT case_id, asked_at, rating, rated_at FROM case_ratings WHERE case_id = ?", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return StoredRating.model_validate(dict(row)) if row else None

    async def rate(self, case_id: int, rating: Rating, *, at: datetime) -> bool:
        async with self._db.transaction() as conn, conn.execute(
            "UPDATE case_ratings SET rating = ?, rated_at = ? WHERE case_id = ? AND rating IS NULL",
            (rating, utc_text(at), case_id),
        ) as cursor:
            return cursor.rowcount == 1

    async def save_application(self, case_id: int, answers: ApplicationAnswers, *, drafted_on: date,
                               now: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO arbitration_drafts (case_id, born_on, address, legal_representative, employer_address,"
                " drafted_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO UPDATE SET"
                " born_on = excluded.born_on, address = excluded.address,"
                " legal_representative = excluded.legal_representative,"
                " employer_address = excluded.employer_address, drafted_on = excluded.drafted_on,"
                " signed_at = NULL, updated_at = excluded.updated_at",
                (case_id, answers.born_on.isoformat(), answers.address, answers.legal_representative,
                 answers.employer_address, drafted_on.isoformat(), utc_text(now)),
            )

    async def application(self, case_id: int) -> StoredApplication | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT born_on, address, legal_representative, employer_address, drafted_on, signed_at, sent_at"
            " FROM arbitration_drafts WHERE case_id = ?", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        answers = ApplicationAnswers(born_on=_day(row["born_on"]), address=row["address"],
                                     legal_representative=row["legal_representative"],
                                     employer_address=row["employer_address"])
        return StoredApplication(case_id=case_id, answers=answers, drafted_on=_day(row["drafted_on"]),
                                 signed_at=row["signed_at"], sent_at=row["sent_at"])

    async def sign_application(self, case_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE arbitration_drafts SET signed_at = ?, updated_at = ? WHERE case_id = ?",
                               (utc_text(at), utc_text(at), case_id))

    async def application_sent(self, case_id: int, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE arbitration_drafts SET sent_at = ?, updated_at = ? WHERE case_id = ?",
                               (utc_text(at), utc_text(at), case_id))

    async def set_id_number(self, case_id: int, person_id: int, id_number: str, *, at: datetime) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO identity_numbers (case_id, person_id, id_number, recorded_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (case_id) DO UPDATE SET person_id = excluded.person_id,"
                " id_number = excluded.id_number, recorded_at = excluded.recorded_at",
                (case_id, person_id, id_number, utc_text(at)),
            )

    async def id_number(self, case_id: int) -> str | None:
        async with self._db.read() as conn, conn.execute(
            "SELECT id_number FROM identity_numbers WHERE case_id = ?", (case_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return row["id_number"] if row else None

    async def forget_id_number(self, case_id: int) -> None:
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM identity_numbers WHERE case_id = ?", (case_id,))


@dataclass(frozen=True)
class SQLiteOutcomeTransaction(SQLiteTransaction):
    """The unit of work's stores, and the outcomes store."""

    outcomes: OutcomeRepository


class SQLiteOutcomeUnitOfWork:
    """The outcomes store joined to a unit of work: an update's (see `SQLiteUnitOfWork`), or for a job
    or the command line one of its own."""

    def __init__(self, db: Database, uow: SQLiteUnitOfWork | None = None) -> None:
        self._uow = uow or SQLiteUnitOfWork(db)
        self._outcomes = OutcomeRepository(db)

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SQLiteOutcomeTransaction]:
        async with self._uow() as tx:
            stores = {store.name: getattr(tx, store.name) for store in fields(tx)}
            yield SQLiteOutcomeTransaction(**stores, outcomes=self._outcomes)
