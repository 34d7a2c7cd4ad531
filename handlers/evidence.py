"""Evidence in chat: the files of a case for the mediator who holds it (sent as photos and documents from
the evidence store, or on a front that serves them itself, as links to it), the supervisors' list of staff
views of the worker's details, the notices about evidence, and the bot's side of fetching a front's file."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.chat.outbound import send_text
from bot.chat.outbox_sender import Template
from bot.desk import Card
from bot.evidence import (
    IDENTITY_VIEW,
    TOO_LARGE,
    EvidenceFile,
    EvidenceNotice,
    EvidenceNoticeParams,
    EvidenceService,
    FetchFailed,
    OpenedFile,
    TooLargeToFetch,
    ViewsPage,
    may_list_views,
    viewed_file,
)
from bot.intake.draft import EVIDENCE_SIZE_LIMIT
from bot.people import Front, Person
from bot.settings import Settings
from handlers.intake.texts import evidence_label, show_moment
from handlers.staff import role_label

DOWNLOAD_TIMEOUT = 120  # seconds for one file of up to 20 MB
# A front that serves evidence itself (the web chat): (viewer, evidence id) -> the address of the file.
EvidenceLinks = Mapping[Front, Callable[[Person, int], str]]


class EvidenceAction(CallbackData, prefix="ev"):
    act: str   # f: the case's files; v: the views of the worker's details
    id: int    # the case
    p: int = 0  # the page of views


class BotFiles:
    """`bot.evidence.FileSource` through each front's Bot: getFile, then the download of its file_path."""

    def __init__(self, bots: Mapping[Front, Bot]) -> None:
        self._bots = bots

    async def download(self, front: Front, file_id: str) -> bytes:
        bot = self._bots.get(front)
        if bot is None:
            raise FetchFailed(f"the {front} front does not run in this process")
        try:
            file = await bot.get_file(file_id)
            if file.file_size is not None and file.file_size > EVIDENCE_SIZE_LIMIT:
                raise TooLargeToFetch(file_id)
            if not file.file_path:
                raise FetchFailed("no file_path")
            downloaded = await bot.download_file(file.file_path, timeout=DOWNLOAD_TIMEOUT)
        except TelegramBadRequest as refusal:
            if "too big" in refusal.message.lower():
                raise TooLargeToFetch(file_id) from refusal
            raise FetchFailed(f"refused: {refusal.message}"[:120]) from refusal
        except (TooLargeToFetch, FetchFailed):
            raise
        except Exception as error:  # network, 5xx, a proxy's page: the file id is kept and tried again
            raise FetchFailed(type(error).__name__) from error
        if downloaded is None:
            raise FetchFailed("nothing downloaded")
        return downloaded.read()


# --- texts ------------------------------------------------------------------------------------------

def file_label(item: EvidenceFile, position: int) -> str:
    return evidence_label(item.item(), position)


def waiting_line(item: EvidenceFile, position: int) -> str:
    if item.unavailable == TOO_LARGE:
        return _("{number}. {name}: too large for the bot to fetch; the worker was asked to send it smaller or "
                 "bring it to the centre").format(number=position, name=file_label(item, position))
    return _("{number}. {name}: still being fetched, try again in a few minutes").format(
        number=position, name=file_label(item, position))


def caption(opened: OpenedFile, number: str, count: int) -> str:
    return _("Case {number} · evidence {position} of {count}: {name}").format(
        number=number, position=opened.position, count=count, name=file_label(opened.item, opened.position))


def what_label(what: str, positions: Mapping[int, int]) -> str:
    if what == IDENTITY_VIEW:
        return _("the worker's name and phone")
    evidence_id = viewed_file(what)
    if evidence_id is not None:
        return _("evidence file {number}").format(number=positions.get(evidence_id, "?"))
    return escape(what)


def views_text(page: ViewsPage, settings: Settings) -> str:
    lines = [_("<b>Views of the worker's details, case {number}</b> ({total} in all, newest first)").format(
        number=page.case.number, total=page.total)]
    for view in page.views:
        who = escape(view.name) if view.name else _("staff #{id}").format(id=view.staff_id)
        role = f" ({role_label(view.role)})" if view.role else ""
        lines.append(f"{show_moment(view.at, settings.zone)} · {who}{role} · {what_label(view.what, page.positions)}")
    if not page.views:
        lines.append(_("No member of staff has viewed the worker's details of this case yet."))
    return "\n".join(lines)


def views_keyboard(page: ViewsPage) -> InlineKeyboardMarkup | None:
    pager = []
    if page.page > 0:
        pager.append(InlineKeyboardButton(text=_("⬅️ Newer"), callback_data=EvidenceAction(
            act="v", id=page.case.id, p=page.page - 1).pack()))
    if page.more:
        pager.append(InlineKeyboardButton(text=_("Older ➡️"), callback_data=EvidenceAction(
            act="v", id=page.case.id, p=page.page + 1).pack()))
    return InlineKeyboardMarkup(inline_keyboard=[pager]) if pager else None


def card_buttons(card: Card, viewer: Person) -> list[InlineKeyboardButton]:
    """The card's evidence buttons: the files for the holder, the views for supervisors of its scope."""
    buttons = []
    if card.identity and card.facts.evidence:
        buttons.append(InlineKeyboardButton(text=_("📎 Evidence files ({count})").format(count=card.facts.evidence),
                                            callback_data=EvidenceAction(act="f", id=card.case.id).pack()))
    if may_list_views(viewer, card.access):
        buttons.append(InlineKeyboardButton(text=_("👁 Who saw the worker's details"),
                                            callback_data=EvidenceAction(act="v", id=card.case.id).pack()))
    return buttons


def evidence_added_text(notice: EvidenceNoticeParams) -> tuple[str, InlineKeyboardMarkup]:
    what = _("a photo") if notice.type == "photo" else _("a document")
    text = _("📎 The worker added {what} to case {number} ({count} files in all).").format(
        what=what, number=notice.number, count=notice.count)
    button = InlineKeyboardButton(text=_("📎 See the files"),
                                  callback_data=EvidenceAction(act="f", id=notice.case_id).pack())
    return text, InlineKeyboardMarkup(inline_keyboard=[[button]])


def too_large_text(notice: EvidenceNoticeParams) -> str:
    what = _("Photo {number}").format(number=notice.position) if notice.type == "photo" else _(
        "File {number}").format(number=notice.position)
    return _("⚠️ {what} of case {number} is larger than the {limit} MB the bot can fetch, so the mediator cannot "
             "see it. Please send it smaller (a photo of each page will do), or bring it to the centre.").format(
        what=what, number=notice.number, limit=EVIDENCE_SIZE_LIMIT // (1024 * 1024))


def templates() -> Mapping[str, Template]:
    """This module's notices, by key, for the outbox sender."""
    return {
        EvidenceNotice.ADDED: lambda params, _locale: evidence_added_text(EvidenceNoticeParams.model_validate(params)),
        EvidenceNotice.TOO_LARGE: lambda params, _locale: too_large_text(EvidenceNoticeParams.model_validate(params)),
    }


# --- handlers ---------------------------------------------------------------------------------------

async def send_opened(bot: Bot, chat_id: int, opened: OpenedFile, text: str) -> None:
    """The file's bytes, uploaded (it may have come through another front): a photo as a photo when the
    front takes it as one, else as a document."""
    name = opened.item.name if opened.item.type == "document" else f"{opened.item.name}.jpg"
    upload = BufferedInputFile(opened.data, filename=name)
    if opened.item.type == "photo":
        try:
            await bot.send_photo(chat_id, upload, caption=text)
            return
        except TelegramBadRequest:  # not a picture the front can show: the file itself will do
            pass
    await bot.send_document(chat_id, upload, caption=text)


def router() -> Router:
    r = Router(name="evidence")

    @r.callback_query(EvidenceAction.filter(F.act == "f"))
    async def case_files(callback: CallbackQuery, callback_data: EvidenceAction, bot: Bot, person: Person,
                         evidence: EvidenceService, evidence_links: EvidenceLinks) -> None:
        listing = await evidence.files(person, callback_data.id)
        if listing is None:
            await callback.answer(_("Only the mediator who holds this case sees its files."), show_alert=True)
            return
        await callback.answer()
        chat_id, count = callback.from_user.id, len(listing.files)
        link = evidence_links.get(person.front)
        waiting = [waiting_line(item, position) for position, item in enumerate(listing.files, start=1)
                   if not item.stored]
        links = []
        for position, item in enumerate(listing.files, start=1):
            if not item.stored:
                continue
            if link is not None:  # the front serves the file itself, to this person only
                links.append([InlineKeyboardButton(text=f"{position}. {item.name}"[:60] if item.type == "document"
                                                   else _("Photo {number}").format(number=position),
                                                   url=link(person, item.id))])
                continue
            opened = await evidence.open(person, item.id)
            if opened is not None:
                await send_opened(bot, chat_id, opened, caption(opened, listing.case.number, count))
        lines = [_("<b>Evidence of case {number}</b>: {count} files.").format(number=listing.case.number,
                                                                              count=count)]
        if links:
            lines.append(_("Tap a file to open it; each opening is recorded."))
        lines += waiting
        if not listing.files:
            lines.append(_("The worker has not sent any files."))
        await send_text(bot, chat_id, "\n".join(lines),
                        reply_markup=InlineKeyboardMarkup(inline_keyboard=links) if links else None)

    @r.callback_query(EvidenceAction.filter(F.act == "v"))
    async def detail_views(callback: CallbackQuery, callback_data: EvidenceAction, bot: Bot, person: Person,
                           evidence: EvidenceService, settings: Settings) -> None:
        page = await evidence.views(person, callback_data.id, callback_data.p)
        if page is None:
            await callback.answer(_("Only the supervisors responsible for this case see who viewed its details."),
                                  show_alert=True)
            return
        await callback.answer()
        await send_text(bot, callback.from_user.id, views_text(page, settings), reply_markup=views_keyboard(page))

    return r
