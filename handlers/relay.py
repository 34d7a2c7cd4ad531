"""Both sides talking in chat: "write to the worker" on the holding mediator's card, "write to the mediator"
on the worker's case, and "reply" under every relayed message open a writing mode (a chat state, kept in
the store, so a restart mid-message loses nothing) that one message or /cancel closes. A worker's plain
message the bot does not understand is offered to their mediator (`offer_to_mediator`, from the
fallback). The relayed message itself is a notice (`templates()`), rendered for the receiver with the
sender's name only."""

from __future__ import annotations

from collections.abc import Mapping

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.cases import Case, CaseEvent
from bot.chat.outbound import remove_keyboard, send_text
from bot.chat.outbox_sender import Attachment, OutboxSender, Template
from bot.chat.telegram_html import escape
from bot.people import Person
from bot.relay import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    Content,
    ContentKind,
    Direction,
    RelayDeclined,
    RelayedParams,
    RelayEvent,
    RelayNotice,
    RelayRefusal,
    RelayService,
    holds,
)
from handlers.case_step import enter_case_step, finish_case_step, step_case_id

OFFER_KEY = "relay_offer"   # the plain message offered to the mediator, kept in the chat state meanwhile
OFFER_CHOICES = 8
# Refusals of this one message: the mode stays open for another (shorter, in words, smaller, later).
RETRYABLE = frozenset({RelayRefusal.EMPTY, RelayRefusal.TOO_LONG, RelayRefusal.FILE_ACROSS_FRONTS,
                       RelayRefusal.FILE_NOT_FETCHED, RelayRefusal.FILE_TOO_LARGE})


class RelayWrite(CallbackData, prefix="rw"):
    case: int


class RelayStop(CallbackData, prefix="rx"):
    case: int


class RelayOffer(CallbackData, prefix="ro"):
    case: int   # 0: do not send


class RelayStep(StatesGroup):
    writing = State()


# --- Words ------------------------------------------------------------------------------------------

def write_label(direction: Direction) -> str:
    return _("💬 Write to the mediator") if direction is Direction.TO_MEDIATOR else _("💬 Write to the worker")


def write_button(case_id: int, direction: Direction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=write_label(direction), callback_data=RelayWrite(case=case_id).pack())


def holder_buttons(case: Case, viewer: Person) -> list[InlineKeyboardButton]:
    """The buttons the mediator holding an open case gets on its card."""
    return [write_button(case.id, Direction.TO_WORKER)] if holds(viewer, case) else []


def counterpart_text(direction: Direction, name: str) -> str:
    """Whom a message goes to, by the name shown to the sender."""
    if direction is Direction.TO_MEDIATOR:
        return _("your mediator {name}").format(name=escape(name)) if name else _("your mediator")
    return _("the worker {name}").format(name=escape(name)) if name else _("the worker")


def refusal_text(declined: RelayDeclined) -> str:
    number = declined.case.number if declined.case else ""
    return {
        RelayRefusal.NOT_YOURS: _("This case was not found."),
        RelayRefusal.CLOSED: _("Case {number} is closed: messages can no longer be sent on it.").format(number=number),
        RelayRefusal.NO_MEDIATOR: _("No mediator holds case {number} yet: you can write once a mediator takes it."
                                    ).format(number=number),
        RelayRefusal.FILE_ACROSS_FRONTS: _(
            "The other side uses a different chat (Telegram or the web chat), where this file cannot be opened. "
            "Please describe it in words; files for the case can also be added as evidence in /mycases."),
        RelayRefusal.FILE_NOT_FETCHED: _("The file could not be passed on just now. Please try again in a moment."),
        RelayRefusal.FILE_TOO_LARGE: _("This file is too large to pass on (at most 20 MB). Please send a smaller one."),
        RelayRefusal.NO_CHAT: _("The worker of case {number} has no chat with this service (the case was taken "
                                "at the counter): please call them.").format(number=number),
        RelayRefusal.EMPTY: _("Please write something, or send a photo or a document."),
        RelayRefusal.TOO_LONG: _("Please keep a message to at most {limit} characters, a file's caption to "
                                 "{caption}.").format(limit=TEXT_LIMIT, caption=CAPTION_LIMIT),
    }[declined.reason]


def relay_event_text(event: CaseEvent) -> str | None:
    """A timeline line for a relayed message (never its text); None: not one of this module's events."""
    if event.type != RelayEvent.MESSAGE_RELAYED:
        return None
    kind = event.payload.get("kind")
    if event.payload.get("direction") == Direction.TO_MEDIATOR:
        line = {ContentKind.PHOTO: _("The worker sent the mediator a photo"),
                ContentKind.DOCUMENT: _("The worker sent the mediator a document")}.get(
            kind, _("The worker wrote to the mediator"))
    else:
        line = {ContentKind.PHOTO: _("The mediator sent the worker a photo"),
                ContentKind.DOCUMENT: _("The mediator sent the worker a document")}.get(
            kind, _("The mediator wrote to the worker"))
    return "💬 " + line


# --- The notice -------------------------------------------------------------------------------------

def relayed_text(notice: RelayedParams) -> tuple[str, InlineKeyboardMarkup] | \
        tuple[str, InlineKeyboardMarkup, Attachment]:
    name = escape(notice.sender_name)
    if notice.direction is Direction.TO_WORKER:
        head = _("💬 Your mediator {name} wrote about case {number}:").format(name=name, number=notice.number) \
            if name else _("💬 Your mediator wrote about case {number}:").format(number=notice.number)
    else:
        head = _("💬 The worker {name} wrote about case {number}:").format(name=name, number=notice.number) \
            if name else _("💬 The worker of case {number} wrote:").format(number=notice.number)
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("↩️ Reply"), callback_data=RelayWrite(case=notice.case_id).pack())]])
    text = f"{head}\n\n{escape(notice.text)}" if notice.text else head
    if notice.kind is ContentKind.TEXT or not (notice.file_ref or notice.stored_as):
        return text, keyboard
    return text, keyboard, Attachment(kind=notice.kind.value, file_id=notice.file_ref, stored_as=notice.stored_as,
                                      name=notice.file_name or "")


def templates() -> Mapping[str, Template]:
    """This module's notice, by key, for the outbox sender."""
    return {RelayNotice.MESSAGE: lambda params, _locale: relayed_text(RelayedParams.model_validate(params))}


# --- Reading a message ------------------------------------------------------------------------------

def content_of(message: Message, person: Person) -> Content | None:
    """A text, a photo (its largest size) or a document, as the person's front knows it; None otherwise."""
    if message.photo:
        return Content(kind=ContentKind.PHOTO, text=message.caption or "", file_ref=message.photo[-1].file_id,
                       front=person.front)
    if message.document:
        return Content(kind=ContentKind.DOCUMENT, text=message.caption or "", file_ref=message.document.file_id,
                       file_name=message.document.file_name, front=person.front)
    if message.text is not None:
        return Content(kind=ContentKind.TEXT, text=message.text, front=person.front)
    return None


def stop_keyboard(case_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
        text=_("Cancel"), callback_data=RelayStop(case=case_id).pack())]])


async def offer_to_mediator(bot: Bot, message: Message, state: FSMContext, person: Person,
                            relay: RelayService) -> bool:
    """A worker's plain message with an open case a mediator holds: offered to be sent to that mediator
    (with several such cases, which one). False when there is none, for the caller to answer."""
    if message.text is None or message.text.startswith("/"):
        return False
    talks = await relay.open_conversations(person)
    if not talks:
        return False
    await state.update_data({OFFER_KEY: message.text})
    no = [InlineKeyboardButton(text=_("No, do not send it"), callback_data=RelayOffer(case=0).pack())]
    if len(talks) == 1:
        [talk] = talks
        send = InlineKeyboardButton(text=_("✉️ Send it"), callback_data=RelayOffer(case=talk.case.id).pack())
        await send_text(bot, message.chat.id, _("Shall I send this message to {who} (case {number})?").format(
            who=counterpart_text(talk.direction, talk.counterpart), number=talk.case.number),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[[send], no]))
        return True
    rows = [[InlineKeyboardButton(text=f"{talk.case.number} · {talk.counterpart}" if talk.counterpart
                                  else talk.case.number or str(talk.case.id),
                                  callback_data=RelayOffer(case=talk.case.id).pack())]
            for talk in talks[:OFFER_CHOICES]]
    await send_text(bot, message.chat.id, _(
        "You have several open cases. Which case's mediator shall I send this message to?"),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[*rows, no]))
    return True


# --- Handlers ---------------------------------------------------------------------------------------

def router() -> Router:
    r = Router(name="relay")

    async def sent(bot: Bot, chat_id: int, person: Person, case_id: int, content: Content, relay: RelayService,
                   outbox: OutboxSender) -> RelayDeclined | None:
        """Relay one message and tell the sender; the refusal, if it was not sent."""
        result = await relay.relay(person, case_id, content)
        if isinstance(result, RelayDeclined):
            await send_text(bot, chat_id, refusal_text(result))
            return result
        await outbox.deliver_now(result.rows)
        await send_text(bot, chat_id, _("✉️ Sent to {who} (case {number}).").format(
            who=counterpart_text(result.direction, result.counterpart), number=result.case.number))
        return None

    @r.callback_query(RelayWrite.filter())
    async def open_writing(callback: CallbackQuery, callback_data: RelayWrite, bot: Bot, person: Person,
                           state: FSMContext, relay: RelayService) -> None:
        talk = await relay.conversation(person, callback_data.case)
        if isinstance(talk, RelayDeclined):
            await callback.answer(refusal_text(talk)[:200], show_alert=True)
            return
        await callback.answer()
        await enter_case_step(state, RelayStep.writing, talk.case.id)
        await send_text(bot, callback.from_user.id, _(
            "Write your message to {who} (case {number}) in one message: text, a photo or a document. "
            "Your account is not shown to them, only your name. Send /cancel to stop.").format(
            who=counterpart_text(talk.direction, talk.counterpart), number=talk.case.number),
            reply_markup=stop_keyboard(talk.case.id))

    async def stop(bot: Bot, chat_id: int, state: FSMContext) -> None:
        await send_text(bot, chat_id, _("Not sent."))
        await finish_case_step(bot, chat_id, state)

    @r.message(RelayStep.writing, Command("cancel"))
    async def cancel_writing(message: Message, bot: Bot, state: FSMContext) -> None:
        await stop(bot, message.chat.id, state)

    @r.callback_query(RelayStop.filter(), RelayStep.writing)
    async def stop_pressed(callback: CallbackQuery, bot: Bot, state: FSMContext) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        await stop(bot, callback.from_user.id, state)

    @r.message(RelayStep.writing, (F.text & ~F.text.startswith("/")) | F.photo | F.document)
    async def written(message: Message, bot: Bot, person: Person, state: FSMContext, relay: RelayService,
                      outbox: OutboxSender) -> None:
        case_id = await step_case_id(state)
        content = content_of(message, person)
        if case_id is None or content is None:
            await stop(bot, message.chat.id, state)
            return
        declined = await sent(bot, message.chat.id, person, case_id, content, relay, outbox)
        if declined is None or declined.reason not in RETRYABLE:
            await finish_case_step(bot, message.chat.id, state)

    @r.message(RelayStep.writing, ~F.text.startswith("/"))
    async def not_relayable(message: Message, bot: Bot, state: FSMContext) -> None:
        case_id = await step_case_id(state)
        await send_text(bot, message.chat.id, _("Please send text, a photo or a document, or /cancel."),
                        reply_markup=stop_keyboard(case_id) if case_id is not None else None)

    @r.callback_query(RelayOffer.filter())
    async def offer_answered(callback: CallbackQuery, callback_data: RelayOffer, bot: Bot, person: Person,
                             state: FSMContext, relay: RelayService, outbox: OutboxSender) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await remove_keyboard(callback.message)
        data = await state.get_data()
        text = data.pop(OFFER_KEY, None)
        await state.set_data(data)
        if callback_data.case == 0:
            await send_text(bot, callback.from_user.id, _("Not sent."))
            return
        if text is None:  # answered before, or the chat state was cleared
            await send_text(bot, callback.from_user.id, _("That message is no longer kept: please write it again."))
            return
        await sent(bot, callback.from_user.id, person, callback_data.case,
                   Content(kind=ContentKind.TEXT, text=text, front=person.front), relay, outbox)

    return r

