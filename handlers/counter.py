"""Cases taken at the counter or by phone, in the mediator's chat: /counter (or the desk's button), how the
worker is met, the privacy notice read to them and their answer, then the chat intake's own questions
(handlers/intake drives them: the draft is marked as filled in on the worker's behalf) and the filing
for the worker, with the confirmation the worker is told and, on request, an invitation to the chat."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, Filter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from bot.cases.model import CaseEvent
from bot.chat.conversations import ForgetChat, abandon_draft, mark_draft_start
from bot.chat.drafts import ChatDraftSlot
from bot.chat.outbound import send_text
from bot.chat.outbox_sender import OutboxSender, Template
from bot.chat.telegram_html import escape
from bot.clock import Clock
from bot.counter import (
    Channel,
    CounterEvent,
    CounterNotice,
    CounterRefusal,
    CounterService,
    FiledParams,
    Invited,
    Taking,
)
from bot.evidence import EvidenceService
from bot.intake.draft import Draft
from bot.people import Front, Person
from bot.recovery import Refused, recovery_link, telegram_recovery_link
from bot.settings import Settings
from handlers.case_step import leave_case_step
from handlers.intake.flow import (
    ON_BEHALF_KEY,
    Intake,
    answered,
    filling_in_a_complaint,
    invite_description,
    on_behalf,
    proceed,
    show,
    take_up_again,
    today_of,
)
from handlers.intake.keyboards import Step
from handlers.intake.routes import OpenDraft
from handlers.intake.texts import privacy_notice, show_moment, stale_button_text
from handlers.recovery import refusal_text as code_refusal_text
from handlers.staff import bot_username

CentreName = Callable[[str, str], str]
# Beside the notice on screen: how the worker is met, until they answer it.
CHANNEL_KEY = "counter_channel"


class CounterStart(CallbackData, prefix="ct"):
    ch: str = ""   # "": choose how the worker is met; else the Channel chosen


class CounterConsent(CallbackData, prefix="cc"):
    agreed: bool


class CounterInvite(CallbackData, prefix="ci"):
    case: int


class CounterStep(StatesGroup):
    notice = State()   # the privacy notice is on the mediator's screen, to read to the worker


class TakenOnBehalf(Filter):
    """Passes when the chat's draft is filled in for a worker at the counter; supplies `taking`."""

    async def __call__(self, event: TelegramObject, state: FSMContext) -> bool | dict[str, Any]:
        taking = (await state.get_data()).get(ON_BEHALF_KEY)
        return {"taking": Taking.model_validate(taking)} if taking is not None else False


# --- words ------------------------------------------------------------------------------------------

def channel_label(channel: Channel) -> str:
    return {Channel.COUNTER: _("at the counter"), Channel.PHONE: _("by phone")}[channel]


def refusal_text(refusal: CounterRefusal) -> str:
    return {
        CounterRefusal.NOT_A_MEDIATOR: _("Only a centre's mediators record cases taken at the counter or by phone."),
        CounterRefusal.UNKNOWN_CENTRE: _("Your centre is not in the centres registry, so no case can be filed "
                                         "there now; please tell your supervisor."),
        CounterRefusal.NOT_YOURS: _("Only the mediator who recorded the case, or a mediator of the centre that "
                                    "holds it, can invite its worker."),
        CounterRefusal.CLAIMED: _("The worker has taken this case into their chat already."),
    }[refusal]


def channel_question() -> str:
    return "\n".join([
        _("📝 <b>Record a case for a worker</b> (Art. 12: an oral application is recorded by the centre)."),
        _("You will ask the worker the questions the chat asks, and enter their answers. Where is the worker?"),
    ])


def notice_for_worker(channel: Channel, front: Front) -> str:
    return "\n\n".join([
        _("📝 A case taken {channel}. Read this notice to the worker (or show it to them), then record their "
          "answer:").format(channel=channel_label(channel)),
        privacy_notice(front),
    ])


def questions_intro() -> str:
    return _("✅ Consent recorded as given in person. Now ask the worker each question and enter their answer "
             "(their own words, as they say them); papers they show can be photographed and sent here. /cancel "
             "deletes the draft.")


def counter_filed_text(params: FiledParams, centre_name: CentreName, locale: str) -> str:
    lines = [_("📝 Case <b>{number}</b> is recorded ({channel}). The message above is what the worker is told: "
               "read it to them or show it.").format(number=params.number, channel=channel_label(params.channel))]
    if params.elsewhere and params.centre_id:
        lines.append(_("The workplace is in the jurisdiction of {centre}, so the case went there, as a chat "
                       "case would.").format(centre=escape(centre_name(params.centre_id, locale))))
    return "\n\n".join(lines)


def invitation_text(invited: Invited, settings: Settings, username: str | None) -> str:
    code = invited.issued.code
    lines = [
        _("🔑 Invitation to the chat for the worker of case {number}: code <code>{code}</code>, valid until "
          "{until}.").format(number=invited.number, code=invited.issued.shown,
                             until=show_moment(invited.issued.expires_at, settings.zone)),
        _("Give it to the worker yourself (write it down, let them photograph this, or read it out on the phone) "
          "and to nobody else. In the chat where they use it the case appears under /mycases, and notices "
          "reach them from then on; a new code replaces this one."),
        "",
        _("Web chat: {link}").format(link=recovery_link(settings.chat_address, code)),
    ]
    if username:
        lines.append(_("Telegram: {link}").format(link=telegram_recovery_link(username, code)))
    lines.append(_("Or send in either chat: <code>/recover {code}</code>").format(code=invited.issued.shown))
    return "\n".join(lines)


def counter_event_text(event: CaseEvent) -> str | None:
    """A timeline line for this module's events (None: not one of them)."""
    if event.type == CounterEvent.CONSENT_IN_PERSON and event.payload.get("channel") in tuple(Channel):
        return _("Consent given in person ({channel}), recorded by the centre").format(
            channel=channel_label(Channel(event.payload["channel"])))
    return None


def templates(centre_name: CentreName) -> Mapping[str, Template]:
    """This module's notices, by key, for the outbox sender (beside handlers.notices.templates)."""

    def filed(params: dict[str, Any], locale: str) -> tuple[str, InlineKeyboardMarkup]:
        notice = FiledParams.model_validate(params)
        return counter_filed_text(notice, centre_name, locale), invite_keyboard(notice.case_id)

    return {CounterNotice.FILED: filed}


# --- keyboards --------------------------------------------------------------------------------------

def counter_button() -> InlineKeyboardButton:
    """The desk's way in."""
    return InlineKeyboardButton(text=_("📝 Record a counter case"), callback_data=CounterStart().pack())


def channel_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("🏢 At the counter"), callback_data=CounterStart(ch=Channel.COUNTER).pack()),
        InlineKeyboardButton(text=_("📞 By phone"), callback_data=CounterStart(ch=Channel.PHONE).pack()),
    ]])


def invite_keyboard(case_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("🔑 Invite the worker to the chat"), callback_data=CounterInvite(case=case_id).pack())]])


def worker_consent_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=_("✅ The worker agrees"), callback_data=CounterConsent(agreed=True).pack()),
        InlineKeyboardButton(text=_("The worker does not agree"), callback_data=CounterConsent(agreed=False).pack()),
    ]])


# --- handlers ---------------------------------------------------------------------------------------

def router() -> Router:
    r = Router(name="counter")

    async def begin(bot: Bot, chat_id: int, state: FSMContext, person: Person, counter: CounterService,
                    clock: Clock, settings: Settings, front: Front) -> None:
        if (refusal := counter.may_take(person)) is not None:
            await send_text(bot, chat_id, refusal_text(refusal))
            return
        await leave_case_step(state)
        if await filling_in_a_complaint(state):
            if await on_behalf(state):
                await take_up_again(bot, chat_id, state, today_of(clock, settings), front,
                                    _("A counter case is open in this chat: here it is, as you left it."))
            else:
                await send_text(bot, chat_id, _("A complaint is being filled in in this chat: finish it or "
                                                "/cancel it first."))
            return
        await state.clear()
        await show(bot, chat_id, state, channel_question(), channel_keyboard())

    @r.message(Command("counter"))
    async def counter_command(message: Message, bot: Bot, state: FSMContext, person: Person,
                              counter: CounterService, clock: Clock, settings: Settings,
                              fronts: dict[int, Front]) -> None:
        await begin(bot, message.chat.id, state, person, counter, clock, settings,
                    fronts.get(bot.id, Front.TELEGRAM))

    @r.callback_query(CounterStart.filter(F.ch == ""))
    async def counter_pressed(callback: CallbackQuery, bot: Bot, state: FSMContext, person: Person,
                              counter: CounterService, clock: Clock, settings: Settings,
                              fronts: dict[int, Front]) -> None:
        await callback.answer()
        await begin(bot, callback.from_user.id, state, person, counter, clock, settings,
                    fronts.get(bot.id, Front.TELEGRAM))

    @r.callback_query(CounterStart.filter(F.ch.in_(tuple(Channel))))
    async def channel_chosen(callback: CallbackQuery, callback_data: CounterStart, bot: Bot, state: FSMContext,
                             person: Person, counter: CounterService, fronts: dict[int, Front]) -> None:
        if (refusal := counter.may_take(person)) is not None:
            await callback.answer(refusal_text(refusal)[:200], show_alert=True)
            return
        if await filling_in_a_complaint(state):  # a stale button under a draft already begun
            await callback.answer(stale_button_text())
            return
        await callback.answer()
        channel = Channel(callback_data.ch)
        await answered(callback, state, f"{channel_question()}\n✓ <b>{channel_label(channel)}</b>")
        await state.set_state(CounterStep.notice)
        await state.update_data({CHANNEL_KEY: channel})
        sent = await show(bot, callback.from_user.id, state, notice_for_worker(channel, fronts.get(
            bot.id, Front.TELEGRAM)), worker_consent_keyboard())
        await mark_draft_start(state, sent.message_id)

    @r.callback_query(CounterConsent.filter(), CounterStep.notice)
    async def worker_answered(callback: CallbackQuery, callback_data: CounterConsent, bot: Bot, state: FSMContext,
                              person: Person, counter: CounterService, clock: Clock,
                              conversations: dict[Front, ForgetChat]) -> None:
        channel = (await state.get_data()).get(CHANNEL_KEY)
        if (refusal := counter.may_take(person)) is not None or channel not in tuple(Channel):
            await callback.answer(refusal_text(refusal)[:200] if refusal else None, show_alert=refusal is not None)
            return
        await callback.answer()
        await answered(callback, state)
        if not callback_data.agreed:
            await abandon_draft(state, conversations, person)
            await send_text(bot, callback.from_user.id, _("Nothing was recorded: without the worker's consent no "
                                                          "case is kept. They may still apply in writing."))
            return
        now = clock.now()
        taking = Taking(channel=Channel(channel), consented_at=now)
        data = await state.get_data()
        data.pop(CHANNEL_KEY, None)
        await state.set_data({**data, ON_BEHALF_KEY: taking.model_dump(mode="json")})
        await invite_description(bot, callback.from_user.id, state, Draft.new(now), questions_intro())

    @r.message(CounterStep.notice)
    async def before_worker_answered(message: Message, bot: Bot, state: FSMContext) -> None:
        await show(bot, message.chat.id, state, _("Please record the worker's answer to the notice first."),
                   worker_consent_keyboard())

    @r.callback_query(Step.filter(F.act == "submit"), Intake.summary, OpenDraft(), TakenOnBehalf())
    async def submit(callback: CallbackQuery, bot: Bot, state: FSMContext, draft: Draft, taking: Taking,
                     person: Person, counter: CounterService, clock: Clock, settings: Settings,
                     outbox: OutboxSender, evidence: EvidenceService) -> None:
        today = today_of(clock, settings)
        if draft.next_question() is not None:
            await callback.answer()
            await proceed(bot, callback.from_user.id, state, draft, today)
            return
        if (refusal := counter.may_take(person)) is not None:  # no longer a mediator: the draft stays
            await callback.answer(refusal_text(refusal)[:200], show_alert=True)
            return
        await callback.answer()
        await answered(callback, state)
        filed = await counter.file(person, draft, taking, ChatDraftSlot(state), today=today)
        if isinstance(filed, CounterRefusal):
            await send_text(bot, callback.from_user.id, refusal_text(filed))
            return
        if filed.submission.already_filed:
            await send_text(bot, callback.from_user.id, _("Case {number} was filed from this draft already.").format(
                number=filed.submission.case.number))
            return
        await outbox.deliver_now(filed.replies)
        if draft.evidence:
            evidence.fetch_soon(filed.submission.case.id)  # into the evidence store; its job retries the rest

    @r.callback_query(CounterInvite.filter())
    async def invite(callback: CallbackQuery, callback_data: CounterInvite, bot: Bot, bots: dict[Front, Bot],
                     person: Person, counter: CounterService, settings: Settings) -> None:
        invited = await counter.invite(person, callback_data.case)
        if isinstance(invited, CounterRefusal | Refused):
            why = refusal_text(invited) if isinstance(invited, CounterRefusal) else code_refusal_text(invited, settings)
            await callback.answer(why[:200], show_alert=True)
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, invitation_text(invited, settings, await bot_username(bots)))

    return r
