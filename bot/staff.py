"""Staff in the store: supervisors invite mediators with one-time codes, a person joins with
`/join CODE` on either front, supervisors list and revoke the staff of their district, and operators
do the same from the command line.

Who manages whom is read from the store inside every use case, never taken from a button:
- a district's supervisor: the mediators of the district's centres and its inspection liaisons;
- a city-wide supervisor (a supervisor with no district, `Person.city_wide`): every centre's mediators,
  every liaison and the district supervisors;
- an operator at the command line (`by=None`): everyone.
Nobody revokes themselves from the chat. A revoked mediator's open cases go back to the centre's
queue, or to a named colleague of the same centre, through the case engine (an event each), in the
unit of work that revokes them: all of it happens, or none.

A code is 16 characters of Crockford's base 32 (80 bits), kept in the store only as a hash, good for
one use until it expires. Failed attempts are counted per person in the store: after JOIN_ATTEMPTS
within JOIN_WINDOW the next is refused without being looked at.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.case_service import Changed, actor_of, change
from bot.cases.machine import SYSTEM, Command, CommandKind
from bot.cases.model import Case
from bot.clock import Clock
from bot.codes import new_code, read_code
from bot.people import STAFF_ROLES, Front, Person, Role
from bot.ports import CentreSource, Invite, NewInvite, StaffTransaction, StaffUnitOfWork
from bot.routing.registry import Centre, Registry

CODE_LENGTH = 16
INVITE_LIFETIME = timedelta(hours=72)
JOIN_ATTEMPTS = 5
JOIN_WINDOW = timedelta(hours=1)
JOIN_LINK_PREFIX = "join-"  # the deep link's start parameter: join-CODE
REVOKED = "staff_revoked"  # the reason code on the events of the cases a revocation moves


def join_link(bot_username: str, code: str) -> str:
    """A Telegram link that opens the bot and sends `/start join-CODE`."""
    return f"https://t.me/{bot_username}?start={JOIN_LINK_PREFIX}{code}"


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def districts(registry: Registry) -> list[str]:
    """The districts that have centres, in the registry's order."""
    return list(dict.fromkeys(centre.district for centre in registry.centres))


def centres_managed_by(supervisor: Person, registry: Registry) -> list[Centre]:
    """A district supervisor's district's centres; every centre for a city-wide supervisor."""
    return [centre for centre in registry.centres if supervisor.city_wide or centre.district == supervisor.district]


def _centre(registry: Registry, centre_id: str | None) -> Centre | None:
    try:
        return registry.get(centre_id) if centre_id else None
    except KeyError:
        return None


def manages(supervisor: Person, member: Person, registry: Registry) -> bool:
    """Whether this supervisor may revoke this member of staff (see the module's docstring)."""
    if supervisor.role is not Role.SUPERVISOR or member.id == supervisor.id:
        return False
    if supervisor.city_wide:
        return not member.city_wide  # city-wide supervisors are changed by an operator
    if member.role is Role.MEDIATOR:
        centre = _centre(registry, member.centre_id)
        return centre is not None and centre.district == supervisor.district
    return member.role is Role.INSPECTION and member.district == supervisor.district


class StaffRefusal(StrEnum):
    NOT_A_SUPERVISOR = "not_a_supervisor"  # the person acting is not (or no longer) a supervisor
    UNKNOWN_CENTRE = "unknown_centre"
    UNKNOWN_DISTRICT = "unknown_district"
    NOT_YOURS = "not_yours"                # outside the supervisor's district
    NOT_STAFF = "not_staff"                # the person is not (or no longer) staff
    YOURSELF = "yourself"
    NOT_A_COLLEAGUE = "not_a_colleague"    # not a mediator of the same centre
    HOLDS_CASES = "holds_cases"            # the change would strand the person's open cases
    CASE_REFUSED = "case_refused"          # a case could not be moved (someone acted on it first)


@dataclass(frozen=True)
class StaffRefused:
    reason: StaffRefusal
    cases: int = 0  # HOLDS_CASES: how many


class JoinRefusal(StrEnum):
    NOT_A_CODE = "not_a_code"              # nothing shaped like a code
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    ALREADY = "already"                    # the person already is what the code makes them
    STAFF_ALREADY = "staff_already"        # a supervisor or liaison: their role is changed by an operator
    HOLDS_CASES = "holds_cases"            # a mediator moving to another centre still holds open cases


@dataclass(frozen=True)
class JoinRefused:
    reason: JoinRefusal
    when: datetime | None = None  # EXPIRED: when it expired; TOO_MANY_ATTEMPTS: when to try again
    cases: int = 0                # HOLDS_CASES: how many


@dataclass(frozen=True)
class Issued:
    code: str    # shown once, to the person who asked for it; the store has only its hash
    invite: Invite


@dataclass(frozen=True)
class Joined:
    person: Person
    invite: Invite


@dataclass(frozen=True)
class StaffMember:
    person: Person
    open_cases: int  # cases the person holds in mediation


@dataclass(frozen=True)
class RevokeChoice:
    """What a supervisor decides on before revoking: who, and which colleagues could take their cases."""

    member: StaffMember
    colleagues: list[Person]


@dataclass(frozen=True)
class Revoked:
    person: Person              # as they are now: a worker
    moved: list[Case]           # their open cases, as they are now: in the queue or with the colleague
    colleague: Person | None


class RevocationHook(Protocol):
    """Called inside the revoking unit of work with the person as they are now (a worker)."""

    async def __call__(self, person: Person) -> None: ...


class _Undone(Exception):
    """Raised inside a unit of work to roll all of it back and answer with the refusal."""

    def __init__(self, refused: StaffRefused) -> None:
        super().__init__(refused.reason)
        self.refused = refused


class StaffService:
    def __init__(self, uow: StaffUnitOfWork, clock: Clock, centres: CentreSource,
                 invite_lifetime: timedelta = INVITE_LIFETIME, on_revoked: RevocationHook | None = None) -> None:
        self._uow = uow
        self._on_revoked = on_revoked
        self._clock = clock
        self._centres = centres
        self._invite_lifetime = invite_lifetime

    # --- supervisors, in the chat ---------------------------------------------------------------

    async def invite(self, supervisor: Person, centre_id: str) -> Issued | StaffRefused:
        """A one-time code that makes its user a mediator of this centre of the supervisor's district."""
        centre = _centre(self._centres.registry, centre_id)
        async with self._uow() as tx:
            actor = await self._supervisor(tx, supervisor)
            if actor is None:
                return StaffRefused(StaffRefusal.NOT_A_SUPERVISOR)
            if centre is None:
                return StaffRefused(StaffRefusal.UNKNOWN_CENTRE)
            if not (actor.city_wide or centre.district == actor.district):
                return StaffRefused(StaffRefusal.NOT_YOURS)
            return await self._issue(tx, Role.MEDIATOR, centre.id, None, by=actor.id, lifetime=self._invite_lifetime)

    async def staff_of(self, supervisor: Person) -> list[StaffMember] | StaffRefused:
        """The staff this supervisor manages, with the cases each holds."""
        registry = self._centres.registry
        async with self._uow() as tx:
            actor = await self._supervisor(tx, supervisor)
            if actor is None:
                return StaffRefused(StaffRefusal.NOT_A_SUPERVISOR)
            return await self._members(tx, [p for p in await tx.people.staff() if manages(actor, p, registry)])

    async def revoke_choice(self, supervisor: Person, person_id: int) -> RevokeChoice | StaffRefused:
        async with self._uow() as tx:
            try:
                _actor, member = await self._revocable(tx, supervisor, person_id)
            except _Undone as undone:
                return undone.refused
            colleagues = [p for p in await tx.people.staff_of_centre(member.centre_id) if p.id != member.id] \
                if member.role is Role.MEDIATOR and member.centre_id else []
            return RevokeChoice((await self._members(tx, [member]))[0], colleagues)

    async def revoke(self, by: Person | None, person_id: int, *, colleague_id: int | None = None
                     ) -> Revoked | StaffRefused:
        """Make a member of staff a worker again. Their open cases go to the colleague if one is named
        (a mediator of the same centre), else back to the centre's queue; `by` None: an operator."""
        now = self._clock.now()
        try:
            async with self._uow() as tx:
                actor, member = await self._revocable(tx, by, person_id)
                colleague = await self._colleague(tx, member, colleague_id) if colleague_id is not None else None
                held = await tx.staff.held_cases(member.id)
                moved = [await self._move(tx, case_id, actor, colleague) for case_id in held]
                revoked = await tx.people.set_role(member.front, member.user_id, Role.WORKER, None, now=now)
                await tx.staff.record_change(revoked, by=actor.id if actor else None, invite_id=None, at=now)
                if self._on_revoked is not None:  # e.g. their web chat session ends, in this transaction
                    await self._on_revoked(revoked)
                return Revoked(revoked, moved, colleague)
        except _Undone as undone:
            return undone.refused

    # --- everyone ---------------------------------------------------------------------------------

    async def join(self, person: Person, typed: str) -> Joined | JoinRefused:
        """Use a code: the person becomes what it says (a mediator of its centre, say), once."""
        now = self._clock.now()
        async with self._uow() as tx:
            current = await tx.people.get(person.id) or person
            failures = await tx.staff.failed_joins(current.id, since=now - JOIN_WINDOW)
            if len(failures) >= JOIN_ATTEMPTS:
                return JoinRefused(JoinRefusal.TOO_MANY_ATTEMPTS, when=failures[-JOIN_ATTEMPTS] + JOIN_WINDOW)
            code = read_code(typed, CODE_LENGTH)
            found = await tx.staff.invite_by_hash(_hash(code)) if code else None
            if found is not None and (current.role, current.centre_id, current.district) == (
                    found.role, found.centre_id, found.district):
                return JoinRefused(JoinRefusal.ALREADY)  # a link opened twice, say: not a failed attempt
            usable = _usable(code, found, now)
            if isinstance(usable, JoinRefused):
                await tx.staff.record_failed_join(current.id, at=now, forget_before=now - JOIN_WINDOW)
                return usable
            invite = usable
            if current.role in (Role.SUPERVISOR, Role.INSPECTION):
                return JoinRefused(JoinRefusal.STAFF_ALREADY)
            if held := await _stranded(tx, current, invite.role, invite.centre_id):
                return JoinRefused(JoinRefusal.HOLDS_CASES, cases=held)
            if not await tx.staff.use_invite(invite.id, current.id, at=now):
                return JoinRefused(JoinRefusal.USED)
            joined = await tx.people.set_role(current.front, current.user_id, invite.role, invite.centre_id,
                                              now=now, district=invite.district)
            await tx.staff.record_change(joined, by=None, invite_id=invite.id, at=now)
            return Joined(joined, invite)

    # --- operators, at the command line -----------------------------------------------------------

    async def add(self, front: Front, user_id: int, role: Role, *, centre_id: str | None = None,
                  district: str | None = None) -> Person | StaffRefused:
        """Give a person (created if new) a staff role: a mediator of a centre, a supervisor of a
        district (None: the whole city), an inspection liaison of a district."""
        if (misplaced := self._misplaced(role, centre_id, district)) is not None:
            return misplaced
        now = self._clock.now()
        async with self._uow() as tx:
            known = await tx.people.find(front, user_id)
            if known is not None and (held := await _stranded(tx, known, role, centre_id)):
                return StaffRefused(StaffRefusal.HOLDS_CASES, cases=held)
            person = await tx.people.set_role(front, user_id, role, centre_id, now=now, district=district)
            await tx.staff.record_change(person, by=None, invite_id=None, at=now)
            return person

    async def issue(self, role: Role, *, centre_id: str | None = None, district: str | None = None,
                    lifetime: timedelta | None = None) -> Issued | StaffRefused:
        """A one-time code for any staff role, for someone the operator cannot name by an id (on the web chat)."""
        if (misplaced := self._misplaced(role, centre_id, district)) is not None:
            return misplaced
        async with self._uow() as tx:
            return await self._issue(tx, role, centre_id, district, by=None, lifetime=lifetime or self._invite_lifetime)

    async def listing(self, centre_id: str | None = None) -> list[StaffMember]:
        """All staff, or one centre's mediators, with the cases each holds."""
        async with self._uow() as tx:
            return await self._members(tx, await tx.people.staff(centre_id))

    # --- the rules ---------------------------------------------------------------------------------

    async def _supervisor(self, tx: StaffTransaction, person: Person) -> Person | None:
        current = await tx.people.get(person.id)
        return current if current is not None and current.role is Role.SUPERVISOR else None

    async def _revocable(self, tx: StaffTransaction, by: Person | None, person_id: int
                         ) -> tuple[Person | None, Person]:
        """The supervisor as the store knows them now (None for an operator) and the member of staff
        they may revoke (an operator: anyone); else _Undone with the reason."""
        actor = await self._supervisor(tx, by) if by is not None else None
        if by is not None and actor is None:
            raise _Undone(StaffRefused(StaffRefusal.NOT_A_SUPERVISOR))
        member = await tx.people.get(person_id)
        if member is None or member.role not in STAFF_ROLES:
            raise _Undone(StaffRefused(StaffRefusal.NOT_STAFF))
        if actor is not None and member.id == actor.id:
            raise _Undone(StaffRefused(StaffRefusal.YOURSELF))
        if actor is not None and not manages(actor, member, self._centres.registry):
            raise _Undone(StaffRefused(StaffRefusal.NOT_YOURS))
        return actor, member

    async def _move(self, tx: StaffTransaction, case_id: int, actor: Person | None, colleague: Person | None
                    ) -> Case:
        """A revoked mediator's case to the colleague, or back to the queue, through the engine."""
        engine_actor = actor_of(actor) if actor is not None else SYSTEM
        because = {"reason_code": REVOKED}
        command = Command(CommandKind.REASSIGN, engine_actor, mediator_id=colleague.id, params=because) \
            if colleague is not None else Command(CommandKind.PASS, engine_actor, params=because)
        case = await tx.cases.get(case_id)
        result = await change(tx, case, command, self._clock) if case is not None else None
        if not isinstance(result, Changed):
            raise _Undone(StaffRefused(StaffRefusal.CASE_REFUSED))
        return result.case

    async def _colleague(self, tx: StaffTransaction, member: Person, colleague_id: int) -> Person:
        colleague = await tx.people.get(colleague_id)
        if colleague is None or colleague.id == member.id or colleague.role is not Role.MEDIATOR \
                or member.centre_id is None or colleague.centre_id != member.centre_id:
            raise _Undone(StaffRefused(StaffRefusal.NOT_A_COLLEAGUE))
        return colleague

    def _misplaced(self, role: Role, centre_id: str | None, district: str | None) -> StaffRefused | None:
        """Why a role cannot have this centre or district, if it cannot: a mediator needs a centre of the
        registry, a liaison a district of it, a supervisor a district of it or none (the whole city)."""
        registry = self._centres.registry
        if role not in STAFF_ROLES:
            return StaffRefused(StaffRefusal.NOT_STAFF)
        if role is Role.MEDIATOR:
            return None if _centre(registry, centre_id) is not None and district is None \
                else StaffRefused(StaffRefusal.UNKNOWN_CENTRE)
        if centre_id is not None:
            return StaffRefused(StaffRefusal.UNKNOWN_CENTRE)
        if district is None and role is Role.SUPERVISOR:
            return None
        return None if district in districts(registry) else StaffRefused(StaffRefusal.UNKNOWN_DISTRICT)

    async def _issue(self, tx: StaffTransaction, role: Role, centre_id: str | None, district: str | None, *,
                     by: int | None, lifetime: timedelta) -> Issued:
        code = new_code(CODE_LENGTH)
        now = self._clock.now()
        invite = await tx.staff.add_invite(NewInvite(code_hash=_hash(code), role=role, centre_id=centre_id,
                                                     district=district, created_by=by, created_at=now,
                                                     expires_at=now + lifetime))
        return Issued(code, invite)

    async def _members(self, tx: StaffTransaction, people: Iterable[Person]) -> list[StaffMember]:
        people = list(people)
        held = await tx.staff.held_counts([person.id for person in people if person.role is Role.MEDIATOR])
        return [StaffMember(person, held.get(person.id, 0)) for person in people]


def _usable(code: str | None, invite: Invite | None, now: datetime) -> Invite | JoinRefused:
    if code is None:
        return JoinRefused(JoinRefusal.NOT_A_CODE)
    if invite is None:
        return JoinRefused(JoinRefusal.UNKNOWN)
    if invite.used_by is not None:
        return JoinRefused(JoinRefusal.USED)
    if invite.expires_at <= now:
        return JoinRefused(JoinRefusal.EXPIRED, when=invite.expires_at)
    return invite


async def _stranded(tx: StaffTransaction, person: Person, role: Role, centre_id: str | None) -> int:
    """How many open cases a mediator holds that becoming `role` (of `centre_id`) would leave at a
    centre they no longer belong to: none when they stay a mediator of the same centre."""
    if person.role is not Role.MEDIATOR or (role is Role.MEDIATOR and centre_id == person.centre_id):
        return 0
    return len(await tx.staff.held_cases(person.id))
