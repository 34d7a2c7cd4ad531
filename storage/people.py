"""People repository: identities, roles, centres, districts and saved locales.

Lookups are cached in memory, one cache per database shared by every repository on it (the
middleware's and each unit of work's), so a role changed in a use case is seen by the next update.
The cache is dropped when another process (the operator CLI) has written to the database, so a role
change made from the CLI takes effect at once. Nothing read inside a transaction is cached: it could
still be rolled back.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from weakref import WeakKeyDictionary

import aiosqlite

from bot.people import STAFF_ROLES, Front, Person, Role
from storage.db import Database

_COLUMNS = "id, front, user_id, role, centre_id, district, locale, language_code, display_name"
_STAFF_ROLES = sorted(STAFF_ROLES)
_CACHES: WeakKeyDictionary[Database, OrderedDict[tuple[str, int], Person]] = WeakKeyDictionary()
# People remembered per database, the most recently seen kept: a visitor who never returns costs nothing
# for ever (each new web identity would otherwise stay in memory until a restart).
CACHED_PEOPLE = 10_000


def _person(row: aiosqlite.Row) -> Person:
    return Person(**dict(row))


class PeopleRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache = _CACHES.setdefault(db, OrderedDict())

    async def _fresh_cache(self) -> OrderedDict[tuple[str, int], Person]:
        if await self._db.changed_elsewhere():
            self._cache.clear()
        return self._cache

    async def find(self, front: Front, user_id: int) -> Person | None:
        cache = await self._fresh_cache()
        if (front, user_id) in cache:
            cache.move_to_end((front, user_id))
            return cache[(front, user_id)]
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM people WHERE front = ? AND user_id = ?", (front, user_id)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        return self._remember(_person(row))

    def _remember(self, person: Person) -> Person:
        """Cached; read inside a transaction (which could still be rolled back) it is dropped from the cache
        instead, so the next read after the commit comes from the store."""
        key = (person.front, person.user_id)
        if self._db.in_transaction:
            self._cache.pop(key, None)
        else:
            self._cache[key] = person
            self._cache.move_to_end(key)
            while len(self._cache) > CACHED_PEOPLE:
                self._cache.popitem(last=False)
        return person

    async def _write(self, sql: str, params: tuple[object, ...]) -> Person:
        """An INSERT or UPDATE of one person; the row as written."""
        async with self._db.transaction() as conn, conn.execute(f"{sql} RETURNING {_COLUMNS}", params) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise LookupError("no such person")
        return self._remember(_person(row))

    async def get(self, person_id: int) -> Person | None:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM people WHERE id = ?", (person_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _person(row) if row else None

    async def identify(
        self, front: Front, user_id: int, *, display_name: str, language_code: str | None, now: datetime
    ) -> Person:
        """The stored person for this identity, created as a worker on first contact."""
        known = await self.find(front, user_id)
        if known is not None and known.display_name == display_name and known.language_code == language_code:
            return known
        stamp = now.isoformat()
        return await self._write(
            "INSERT INTO people (front, user_id, display_name, language_code, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (front, user_id) DO UPDATE SET display_name = excluded.display_name,"
            " language_code = excluded.language_code, updated_at = excluded.updated_at",
            (front, user_id, display_name, language_code, stamp, stamp),
        )

    async def set_locale(self, person: Person, locale: str, *, now: datetime) -> Person:
        return await self._write("UPDATE people SET locale = ?, updated_at = ? WHERE id = ?",
                                 (locale, now.isoformat(), person.id))

    async def set_role(
        self, front: Front, user_id: int, role: Role, centre_id: str | None, *, now: datetime,
        display_name: str = "", district: str | None = None,
    ) -> Person:
        stamp = now.isoformat()
        return await self._write(
            "INSERT INTO people (front, user_id, role, centre_id, district, display_name, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (front, user_id) DO UPDATE SET role = excluded.role,"
            " centre_id = excluded.centre_id, district = excluded.district, updated_at = excluded.updated_at",
            (front, user_id, role, centre_id, district, display_name, stamp, stamp),
        )

    async def seed_supervisors(self, user_ids: Iterable[int], *, now: datetime) -> bool:
        """Make these Telegram users supervisors, once in the life of the database: True if it ran now.
        Later changes of roles are made in the store, and a restart with the same ids undoes none."""
        stamp = now.isoformat()
        async with self._db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO bootstrap_steps (name, done_at) VALUES ('supervisors_from_settings', ?)"
                " ON CONFLICT (name) DO NOTHING RETURNING name", (stamp,)
            ) as cursor:
                if await cursor.fetchone() is None:
                    return False
            await conn.executemany(
                "INSERT INTO people (front, user_id, role, created_at, updated_at) VALUES (?, ?, 'supervisor', ?, ?)"
                " ON CONFLICT (front, user_id) DO UPDATE SET role = 'supervisor', updated_at = excluded.updated_at",
                [(Front.TELEGRAM, user_id, stamp, stamp) for user_id in user_ids],
            )
        self._cache.clear()
        return True

    async def staff_of_centre(self, centre_id: str) -> list[Person]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM people WHERE role = 'mediator' AND centre_id = ? ORDER BY id", (centre_id,)
        ) as cursor:
            return [_person(row) for row in await cursor.fetchall()]

    async def staff(self, centre_id: str | None = None) -> list[Person]:
        """Everyone with a staff role, oldest first; with `centre_id`, that centre's mediators."""
        if centre_id is not None:
            return await self.staff_of_centre(centre_id)
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM people WHERE role IN ({', '.join('?' for _ in _STAFF_ROLES)}) ORDER BY id",
            _STAFF_ROLES,
        ) as cursor:
            return [_person(row) for row in await cursor.fetchall()]

    async def with_role(self, role: Role) -> list[Person]:
        async with self._db.read() as conn, conn.execute(
            f"SELECT {_COLUMNS} FROM people WHERE role = ? ORDER BY id", (role,)
        ) as cursor:
            return [_person(row) for row in await cursor.fetchall()]

    async def record_consent(self, person: Person, purpose: str, notice_version: str, *, at: datetime) -> None:
        """A consent as given (PIPL): who, to what, which wording, when."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO consents (person_id, purpose, notice_version, given_at) VALUES (?, ?, ?, ?)",
                (person.id, purpose, notice_version, at.isoformat()),
            )

    async def consents(self, person: Person) -> list[tuple[str, str]]:
        """(purpose, notice version) of every consent the person gave, oldest first."""
        async with self._db.read() as conn, conn.execute(
            "SELECT purpose, notice_version FROM consents WHERE person_id = ? ORDER BY id", (person.id,)
        ) as cursor:
            return [(row[0], row[1]) for row in await cursor.fetchall()]
