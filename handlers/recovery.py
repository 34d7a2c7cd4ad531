"""Recovering one's cases on a new phone or browser: `/recover CODE` (or the button, then the code), the
Telegram deep link `/start rc-CODE`, and "send me a code by SMS" (asks the phone the case was filed
with, and answers alike whether or not a case has it). The mediator holding a case hands its worker a
code from the case card. Register before handlers/start.py's router: its /start would take the link."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.cases.model import CaseEvent
from bot.chat.outbound import send_text
from bot.people import Front, Person
from bot.recovery import (
    RECOVER_LINK_PREFIX,
    HandedOver,
    RecoveryEvent,
    RecoveryRefusal,
    RecoveryService,
    Redeemed,
    Refused,
    SignedIn,
    SmsRequested,
    recovery_link,
    telegram_recovery_link,
)
from bot.settings import Settings
from handlers.intake.texts import show_moment
from handlers.staff import bot_username


class RecoveryAct(CallbackData, prefix="rc"):
    act: str         # code: type a code; sms: ask for one by SMS; hand: (the mediator) a code for the case's worker
    case: int = 0


class RecoveryStep(StatesGroup):
    code = State()
    phone = State()


# --- texts -------------------------------------------------------------------------------------------

def refusal_text(refused: Refused, settings: Settings) -> str:
    until = show_moment(refused.until, settings.zone) if refused.until else ""
    texts = {
        RecoveryRefusal.NOT_ALLOWED: _("Only the mediator who holds one of the worker's cases can hand them a code."),
        RecoveryRefusal.NOT_A_WORKER: _("There is no worker to make a code for."),
        RecoveryRefusal.NOT_A_CODE: _("That is not a recovery code. A code has 8 letters and digits, e.g. "
                                      "/recover K7M2-9QXD."),
        RecoveryRefusal.UNKNOWN: _("This code is not valid. Check it and try again."),
        RecoveryRefusal.USED: _("This code has been used already."),
        RecoveryRefusal.EXPIRED: _("This code is no longer valid. Ask for a new one."),
        RecoveryRefusal.TOO_MANY_ATTEMPTS: _("Too many attempts. Please try again after {when}.").format(when=until),
        RecoveryRefusal.ALREADY_YOURS: _("These cases are already in this chat: /mycases shows them."),
        RecoveryRefusal.STAFF: _("A staff account cannot take a worker's cases. The worker redeems the code in "
                                 "their own chat."),
        RecoveryRefusal.WEB_ONLY: _("This is a staff sign-in code: open the sign-in link you were given on the web "
                                    "chat."),
    }
    return texts[refused.reason]


def redeemed_text(redeemed: Redeemed) -> str:
    if not redeemed.cases:
        return _("Done: this chat now holds the account the code was for. It has no cases yet.")
    numbers = "、".join(case.number or str(case.id) for case in redeemed.cases)
    return _("Done: your cases {numbers} are in this chat now; the old chat no longer has them. /mycases shows "
             "them.").format(numbers=numbers)


def sms_requested_text(requested: SmsRequested) -> str:
    if not requested.available:
        return _("Codes cannot be sent by SMS here. The mediator who holds your case can give you one: call the "
                 "centre.")
    return _("If a case was filed with this phone number, a code is on its way to it by SMS (valid for 24 hours). "
             "When it arrives, send it here: /recover CODE.")


def start_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=_("🔑 I have a code"), callback_data=RecoveryAct(act="code").pack())],
        [InlineKeyboardButton(text=_("📱 Send me a code by SMS"), callback_data=RecoveryAct(act="sms").pack())],
    ])


def recovery_button(case_id: int) -> InlineKeyboardButton:
    """On the case card of the mediator who holds the case."""
    return InlineKeyboardButton(text=_("🔑 Recovery code for the worker"),
                                callback_data=RecoveryAct(act="hand", case=case_id).pack())


def with_recovery_button(keyboard: InlineKeyboardMarkup | None, case_id: int) -> InlineKeyboardMarkup:
    rows = list(keyboard.inline_keyboard) if keyboard is not None else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, [recovery_button(case_id)]])


def handed_over_text(handed: HandedOver, settings: Settings, username: str | None) -> str:
    code = handed.issued.code
    lines = [
        _("Recovery code for the worker of case {number}: <code>{code}</code>, valid until {until}.").format(
            number=handed.case.number, code=handed.issued.shown,
            until=show_moment(handed.issued.expires_at, settings.zone)),
        _("Give it to the worker yourself, in person or by a call to the phone on the case — never to the old "
          "chat, which may be in someone else's hands. Their cases move to the chat where they use it; an "
          "earlier code stops working."),
        _("On the web chat: <code>/recover {code}</code> or {link}").format(
            code=handed.issued.shown, link=recovery_link(settings.chat_address, code)),
    ]
    if username:
        lines.append(_("On Telegram: {link}").format(link=telegram_recovery_link(username, code)))
    return "\n".join(lines)


def recovery_event_text(event: CaseEvent) -> str | None:
    """A timeline line for this module's events; None for anything else."""
    if event.type != RecoveryEvent.IDENTITY_RECOVERED:
        return None
    texts = {"sms": _("The worker moved the case to another chat account with a code sent by SMS."),
             "mediator": _("The worker moved the case to another chat account with a code from the mediator."),
             "counter": _("The worker took the case into their chat with the code given at the counter.")}
    return texts.get(str(event.payload.get("channel")), _("The worker moved the case to another chat account."))


# --- handlers ----------------------------------------------------------------------------------------

def router() -> Router:
    r = Router(name="recovery")

    async def redeem(message: Message, typed: str, person: Person, recovery: RecoveryService,
                     settings: Settings) -> None:
        result = await recovery.redeem(person, typed)
        if isinstance(result, Refused):
            await message.answer(refusal_text(result, settings))
        elif isinstance(result, Redeemed):
            await message.answer(redeemed_text(result))
        elif isinstance(result, SignedIn):  # only with signing_in, which the chat never passes
            await message.answer(refusal_text(Refused(RecoveryRefusal.WEB_ONLY), settings))

    @r.message(CommandStart(deep_link=True, magic=F.args.startswith(RECOVER_LINK_PREFIX)))
    async def link_opened(message: Message, command: CommandObject, person: Person, recovery: RecoveryService,
                          settings: Settings) -> None:
        await redeem(message, (command.args or "")[len(RECOVER_LINK_PREFIX):], person, recovery, settings)

    @r.message(Command("recover"))
    async def recover_command(message: Message, command: CommandObject, person: Person, recovery: RecoveryService,
                              settings: Settings) -> None:
        if command.args:
            await redeem(message, command.args, person, recovery, settings)
            return
        await message.answer(_("Lost your phone, or using another browser? Your cases can come to this chat with a "
                               "one-time code: from the SMS we send to the phone you gave on your case, or from your "
                               "mediator. Knowing the case number is not enough."), reply_markup=start_keyboard())

    @r.callback_query(RecoveryAct.filter(F.act.in_({"code", "sms"})))
    async def ask(callback: CallbackQuery, callback_data: RecoveryAct, bot: Bot, state: FSMContext) -> None:
        await callback.answer()
        if callback_data.act == "code":
            await state.set_state(RecoveryStep.code)
            text = _("Send the code, e.g. K7M2-9QXD (or /cancel).")
        else:
            await state.set_state(RecoveryStep.phone)
            text = _("Send the phone number you gave on your case, e.g. 13800000000 (or /cancel).")
        await send_text(bot, callback.from_user.id, text)

    @r.message(StateFilter(RecoveryStep.code, RecoveryStep.phone), Command("cancel"))
    async def stop(message: Message, state: FSMContext) -> None:
        await state.set_state(None)
        await message.answer(_("Stopped. Send /recover to start again."))

    @r.message(RecoveryStep.code, F.text & ~F.text.startswith("/"))
    async def code_typed(message: Message, person: Person, recovery: RecoveryService, settings: Settings,
                         state: FSMContext) -> None:
        await state.set_state(None)
        await redeem(message, message.text or "", person, recovery, settings)

    @r.message(RecoveryStep.phone, F.text & ~F.text.startswith("/"))
    async def phone_typed(message: Message, person: Person, recovery: RecoveryService, settings: Settings,
                          state: FSMContext) -> None:
        await state.set_state(None)
        result = await recovery.request_by_sms(person, message.text or "")
        await message.answer(refusal_text(result, settings) if isinstance(result, Refused)
                             else sms_requested_text(result))

    @r.callback_query(RecoveryAct.filter(F.act == "hand"))
    async def hand_over(callback: CallbackQuery, callback_data: RecoveryAct, bot: Bot, bots: dict[Front, Bot],
                        person: Person, recovery: RecoveryService, settings: Settings) -> None:
        result = await recovery.hand_over(person, callback_data.case)
        if isinstance(result, Refused):
            await callback.answer(refusal_text(result, settings)[:200], show_alert=True)
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, handed_over_text(result, settings, await bot_username(bots)))

    return r
