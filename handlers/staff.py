"""Staff: supervisors invite mediators (/invite: a centre of their district, then a one-time code and
link), list and revoke their district's staff (/staff), and anyone joins with /join CODE or the
`/start join-CODE` deep link. Each action re-reads the supervisor's role from the store (the service
does), so a forged or replayed button changes nothing it should not."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.chat.filters import HasRole
from bot.chat.outbound import edit_text, send_text
from bot.chat.telegram_html import escape
from bot.codes import shown_code
from bot.people import Front, Person, Role
from bot.routing.registry import Centre
from bot.routing.service import RoutingService
from bot.settings import Settings
from bot.staff import (
    JOIN_LINK_PREFIX,
    Issued,
    Joined,
    JoinRefusal,
    JoinRefused,
    RevokeChoice,
    Revoked,
    StaffMember,
    StaffRefusal,
    StaffRefused,
    StaffService,
    centres_managed_by,
    join_link,
)
from handlers.intake.texts import show_moment

STAFF_PAGE = 8  # members per /staff page: a revoke button each, and the page stays readable on a phone


class InviteFor(CallbackData, prefix="si"):
    centre: str = ""    # a centre id: make the code
    district: str = ""  # (city-wide supervisors) a district: show its centres


class StaffAct(CallbackData, prefix="ss"):
    act: str       # page, ask (revoke?), queue (revoke, cases to the queue), to (revoke, cases to `to`), keep
    person: int    # the member of staff; for "page", the page
    to: int = 0    # "to": the colleague who takes the cases


# --- texts -------------------------------------------------------------------------------------------

def role_label(role: Role) -> str:
    labels = {
        Role.WORKER: _("worker"),
        Role.MEDIATOR: _("mediator"),
        Role.SUPERVISOR: _("supervisor"),
        Role.INSPECTION: _("labour-inspection liaison"),
    }
    return labels[role]


def district_label(district: str | None, routing: RoutingService, locale: str) -> str:
    if district is None:
        return _("the whole city")
    if locale.startswith("zh"):
        return district
    return next((d.name_en for d in routing.gazetteer.districts if d.name == district), district)


def person_name(person: Person) -> str:
    return escape(person.display_name) if person.display_name else _("(no name yet)")


def place_of(person: Person, routing: RoutingService, locale: str) -> str:
    """Where a member of staff belongs: a mediator's centre, anyone else's district."""
    if person.role is Role.MEDIATOR and person.centre_id:
        return escape(routing.centre_name(person.centre_id, locale))
    return escape(district_label(person.district, routing, locale))


def member_line(member: StaffMember, routing: RoutingService, locale: str) -> str:
    person = member.person
    line = _("{name} (no. {id}) · {role} · {place}").format(
        name=person_name(person), id=person.id, role=role_label(person.role), place=place_of(person, routing, locale))
    if person.role is Role.MEDIATOR:
        line += " · " + _("open cases: {count}").format(count=member.open_cases)
    return line


def refusal_text(refused: StaffRefused) -> str:
    texts = {
        StaffRefusal.NOT_A_SUPERVISOR: _("Only supervisors can do this."),
        StaffRefusal.UNKNOWN_CENTRE: _("This centre is not in the registry (any more)."),
        StaffRefusal.UNKNOWN_DISTRICT: _("This district has no centres in the registry."),
        StaffRefusal.NOT_YOURS: _("This is outside your district: nothing was changed."),
        StaffRefusal.NOT_STAFF: _("This person is not staff (any more): nothing was changed."),
        StaffRefusal.YOURSELF: _("You cannot revoke yourself."),
        StaffRefusal.NOT_A_COLLEAGUE: _(
            "That colleague is not a mediator of the same centre (any more). Send /staff to choose again."),
        StaffRefusal.HOLDS_CASES: _("This person still holds {count} open cases: revoke them first, "
                                    "which hands the cases on.").format(count=refused.cases),
        StaffRefusal.CASE_REFUSED: _(
            "One of their cases changed at this moment, so nothing was changed. Send /staff to try again."),
    }
    return texts[refused.reason]


def join_refusal_text(refused: JoinRefused, settings: Settings) -> str:
    when = show_moment(refused.when, settings.zone) if refused.when else ""
    texts = {
        JoinRefusal.NOT_A_CODE: _("That is not an invite code. A code has 16 letters and digits, "
                                  "e.g. /join ABCD-EFGH-JKMN-PQRS."),
        JoinRefusal.UNKNOWN: _("No invite has this code. Check it, or ask your supervisor for a new one."),
        JoinRefusal.USED: _("This code was used already: each code works once. Ask your supervisor for a new one."),
        JoinRefusal.EXPIRED: _("This code expired on {when}. Ask your supervisor for a new one.").format(when=when),
        JoinRefusal.TOO_MANY_ATTEMPTS: _(
            "Too many wrong codes. You can try again after {when}.").format(when=when),
        JoinRefusal.ALREADY: _("You already have this role: nothing changed."),
        JoinRefusal.STAFF_ALREADY: _(
            "You are staff already. A change of your role is made by an operator, not with a code."),
        JoinRefusal.HOLDS_CASES: _("You still hold {count} open cases of your centre. Ask your supervisor to hand "
                                   "them on before you move to another centre.").format(count=refused.cases),
    }
    return texts[refused.reason]


def joined_text(joined: Joined, routing: RoutingService, locale: str) -> str:
    person = joined.person
    if person.role is Role.MEDIATOR and person.centre_id:
        text = _("Welcome: you are now a mediator of {centre}. New cases of the centre reach you here.").format(
            centre=escape(routing.centre_name(person.centre_id, locale)))
    elif person.role is Role.SUPERVISOR:
        text = _("Welcome: you are now a supervisor of {district}.").format(
            district=escape(district_label(person.district, routing, locale)))
    else:
        text = _("Welcome: you are now the labour-inspection liaison of {district}.").format(
            district=escape(district_label(person.district, routing, locale)))
    return text + "\n" + _("Send /start for your menu.")


def invite_text(issued: Issued, bot_username: str | None, routing: RoutingService, settings: Settings,
                locale: str) -> str:
    invite = issued.invite
    lines = [
        _("<b>Invite for a mediator of {centre}</b>").format(
            centre=escape(routing.centre_name(invite.centre_id or "", locale))),
        _("Code: <code>{code}</code> — it works once, until {until}.").format(
            code=shown_code(issued.code), until=show_moment(invite.expires_at, settings.zone)),
    ]
    if bot_username:
        lines.append(_("On Telegram they open: {link}").format(link=join_link(bot_username, issued.code)))
    lines.append(_("On the web chat (or Telegram) they send: <code>/join {code}</code>").format(
        code=shown_code(issued.code)))
    lines.append(_("Give the code only to that person: whoever sends it becomes a mediator of the centre."))
    return "\n".join(lines)


def revoked_text(revoked: Revoked, name: str) -> str:
    numbers = "、".join(case.number or str(case.id) for case in revoked.moved)
    if not revoked.moved:
        return _("{name} is no longer staff.").format(name=name)
    if revoked.colleague is not None:
        return _("{name} is no longer staff. Their open cases {numbers} are now with {colleague}.").format(
            name=name, numbers=numbers, colleague=person_name(revoked.colleague))
    return _("{name} is no longer staff. Their open cases {numbers} are back in the centre's queue.").format(
        name=name, numbers=numbers)


# --- keyboards ---------------------------------------------------------------------------------------

def centres_keyboard(centres: list[Centre], locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for centre in centres:
        builder.button(text=centre.name.pick(locale), callback_data=InviteFor(centre=centre.id))
    builder.adjust(1)
    return builder.as_markup()


def districts_keyboard(names: list[str], routing: RoutingService, locale: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for name in names:
        builder.button(text=district_label(name, routing, locale), callback_data=InviteFor(district=name))
    builder.adjust(2)
    return builder.as_markup()


def staff_keyboard(members: list[StaffMember], page: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    shown = members[page * STAFF_PAGE:(page + 1) * STAFF_PAGE]
    for member in shown:
        builder.button(text=_("✖ Revoke {name} (#{id})").format(name=member.person.display_name, id=member.person.id),
                       callback_data=StaffAct(act="ask", person=member.person.id))
    turns = 0
    if page > 0:
        builder.button(text=_("◀ Previous"), callback_data=StaffAct(act="page", person=page - 1))
        turns += 1
    if (page + 1) * STAFF_PAGE < len(members):
        builder.button(text=_("Next ▶"), callback_data=StaffAct(act="page", person=page + 1))
        turns += 1
    builder.adjust(*([1] * len(shown)), max(turns, 1))
    return builder.as_markup()


def revoke_keyboard(choice: RevokeChoice, routing: RoutingService, locale: str) -> InlineKeyboardMarkup:
    """Confirming is choosing where the cases go: one tap after the revoke button."""
    member = choice.member.person
    builder = InlineKeyboardBuilder()
    if choice.member.open_cases:
        builder.button(text=_("Revoke; cases back to the queue of {centre}").format(
            centre=routing.centre_name(member.centre_id or "", locale)),
            callback_data=StaffAct(act="queue", person=member.id))
        for colleague in choice.colleagues:
            builder.button(text=_("Revoke; cases to {name} (#{id})").format(name=colleague.display_name,
                                                                                id=colleague.id),
                           callback_data=StaffAct(act="to", person=member.id, to=colleague.id))
    else:
        builder.button(text=_("Yes, revoke"), callback_data=StaffAct(act="queue", person=member.id))
    builder.button(text=_("No, keep"), callback_data=StaffAct(act="keep", person=member.id))
    builder.adjust(1)
    return builder.as_markup()


# --- handlers ----------------------------------------------------------------------------------------

async def bot_username(bots: dict[Front, Bot]) -> str | None:
    """The Telegram bot's username, for a deep link; None when the bot runs without Telegram."""
    telegram = bots.get(Front.TELEGRAM)
    return (await telegram.me()).username if telegram is not None else None


async def show(callback: CallbackQuery, bot: Bot, text: str, reply_markup: InlineKeyboardMarkup | None = None
               ) -> None:
    """The answer to a press, in place of the message that had the button."""
    if isinstance(callback.message, Message):
        await edit_text(callback.message, text, reply_markup=reply_markup)
    else:
        await send_text(bot, callback.from_user.id, text, reply_markup=reply_markup)


def router() -> Router:
    """Register before handlers/start.py's router: its /start would take the `join-CODE` deep link."""
    r = Router(name="staff")
    supervisor = HasRole(Role.SUPERVISOR)

    async def join(message: Message, typed: str, person: Person, staff: StaffService, routing: RoutingService,
                   settings: Settings, locale: str) -> None:
        result = await staff.join(person, typed)
        if isinstance(result, JoinRefused):
            await message.answer(join_refusal_text(result, settings))
        else:
            await message.answer(joined_text(result, routing, locale))

    @r.message(CommandStart(deep_link=True, magic=F.args.startswith(JOIN_LINK_PREFIX)))
    async def join_link_opened(message: Message, command: CommandObject, person: Person, staff: StaffService,
                               routing: RoutingService, settings: Settings, locale: str) -> None:
        await join(message, (command.args or "")[len(JOIN_LINK_PREFIX):], person, staff, routing, settings, locale)

    @r.message(Command("join"))
    async def join_command(message: Message, command: CommandObject, person: Person, staff: StaffService,
                           routing: RoutingService, settings: Settings, locale: str) -> None:
        if not (command.args or "").strip():
            await message.answer(_("Send /join followed by the code you were given, e.g. /join ABCD-EFGH-JKMN-PQRS."))
            return
        await join(message, command.args or "", person, staff, routing, settings, locale)

    @r.message(Command("invite"), supervisor)
    async def invite_command(message: Message, person: Person, routing: RoutingService, locale: str) -> None:
        centres = centres_managed_by(person, routing.registry)
        districts = list(dict.fromkeys(centre.district for centre in centres))
        if not centres:
            await message.answer(_("The registry has no centres of your district."))
        elif len(districts) > 1:
            await message.answer(_("Invite a mediator: choose the district first."),
                                 reply_markup=districts_keyboard(districts, routing, locale))
        else:
            await message.answer(_("Invite a mediator: choose their centre."),
                                 reply_markup=centres_keyboard(centres, locale))

    @r.callback_query(InviteFor.filter(F.district != ""), supervisor)
    async def invite_district(callback: CallbackQuery, callback_data: InviteFor, bot: Bot, person: Person,
                              routing: RoutingService, locale: str) -> None:
        await callback.answer()
        centres = [centre for centre in centres_managed_by(person, routing.registry)
                   if centre.district == callback_data.district]
        await show(callback, bot, _("Invite a mediator: choose their centre."), centres_keyboard(centres, locale))

    @r.callback_query(InviteFor.filter(F.centre != ""), supervisor)
    async def invite_centre(callback: CallbackQuery, callback_data: InviteFor, bot: Bot, person: Person,
                            staff: StaffService, bots: dict[Front, Bot], routing: RoutingService, settings: Settings,
                            locale: str) -> None:
        await callback.answer()
        result = await staff.invite(person, callback_data.centre)
        if isinstance(result, StaffRefused):
            await show(callback, bot, refusal_text(result))
            return
        await show(callback, bot, invite_text(result, await bot_username(bots), routing, settings, locale))

    async def staff_page(person: Person, staff: StaffService, routing: RoutingService, locale: str, page: int
                         ) -> tuple[str, InlineKeyboardMarkup | None]:
        members = await staff.staff_of(person)
        if isinstance(members, StaffRefused):
            return refusal_text(members), None
        if not members:
            return _("Nobody is staff of your district yet. Send /invite to invite a mediator."), None
        page = min(page, (len(members) - 1) // STAFF_PAGE)
        lines = [_("<b>Staff</b> ({count})").format(count=len(members))]
        lines += [member_line(member, routing, locale) for member in members[page * STAFF_PAGE:(page + 1) * STAFF_PAGE]]
        return "\n".join(lines), staff_keyboard(members, page)

    @r.message(Command("staff"), supervisor)
    async def staff_command(message: Message, person: Person, staff: StaffService, routing: RoutingService,
                            locale: str) -> None:
        text, keyboard = await staff_page(person, staff, routing, locale, 0)
        await message.answer(text, reply_markup=keyboard)

    @r.callback_query(StaffAct.filter(F.act == "page"), supervisor)
    async def staff_turn(callback: CallbackQuery, callback_data: StaffAct, bot: Bot, person: Person,
                         staff: StaffService, routing: RoutingService, locale: str) -> None:
        await callback.answer()
        text, keyboard = await staff_page(person, staff, routing, locale, max(callback_data.person, 0))
        await show(callback, bot, text, keyboard)

    @r.callback_query(StaffAct.filter(F.act == "ask"), supervisor)
    async def revoke_asked(callback: CallbackQuery, callback_data: StaffAct, bot: Bot, person: Person,
                           staff: StaffService, routing: RoutingService, locale: str) -> None:
        await callback.answer()
        choice = await staff.revoke_choice(person, callback_data.person)
        if isinstance(choice, StaffRefused):
            await show(callback, bot, refusal_text(choice))
            return
        member = choice.member
        text = _("Revoke {name} ({role}, {place})? They become a worker again.").format(
            name=person_name(member.person), role=role_label(member.person.role),
            place=place_of(member.person, routing, locale))
        if member.open_cases:
            text += "\n" + _("They hold {count} open cases: choose who takes them.").format(count=member.open_cases)
        await show(callback, bot, text, revoke_keyboard(choice, routing, locale))

    @r.callback_query(StaffAct.filter(F.act.in_({"queue", "to"})), supervisor)
    async def revoke_chosen(callback: CallbackQuery, callback_data: StaffAct, bot: Bot, person: Person,
                            staff: StaffService) -> None:
        await callback.answer()
        result = await staff.revoke(person, callback_data.person,
                                    colleague_id=callback_data.to if callback_data.act == "to" else None)
        if isinstance(result, StaffRefused):
            await show(callback, bot, refusal_text(result))
            return
        await show(callback, bot, revoked_text(result, person_name(result.person)))

    @r.callback_query(StaffAct.filter(F.act == "keep"), supervisor)
    async def revoke_dropped(callback: CallbackQuery, bot: Bot) -> None:
        await callback.answer()
        await show(callback, bot, _("Nothing was changed."))

    @r.message(Command("invite", "staff"))
    async def not_a_supervisor(message: Message) -> None:
        await message.answer(_("Only supervisors can do this."))

    return r
