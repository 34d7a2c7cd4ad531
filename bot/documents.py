"""The papers a case produces for printing: the mediation agreement (调解协议书, Labour Dispute Mediation
and Arbitration Law Art. 14) and the draft arbitration application (仲裁申请书, law Art. 28, case-handling
rules Art. 29), each as DOCX (district offices open it in WPS or Word) and as PDF.

A document is laid out once, as a list of blocks in the reader's language (zh_CN unless asked otherwise:
the centre prints the Chinese one), and two writers turn the same blocks into a file. Chinese needs its
font named where the reader looks for it: every DOCX run names an East Asian font (w:eastAsia), and the
PDF embeds Debian's WenQuanYi Micro Hei (fonts-wqy-microhei, installed by `make deps`), whose TrueType
outlines fpdf2 can subset (Noto CJK's CFF outlines are another matter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from io import BytesIO
from pathlib import Path
from typing import Annotated, Any

from babel.dates import format_date
from babel.numbers import format_currency
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from fpdf import FPDF
from fpdf.enums import Align, WrapMode, XPos, YPos
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from bot.cases.model import Case
from bot.i18n import N_, translations
from bot.intake.draft import EvidenceItem

# Face 0 of the collection is the proportional WenQuanYi Micro Hei (face 1 is its monospaced twin).
CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CJK_FONT_FACE = 0
_PDF_FAMILY = "wqy-microhei"
# Names WPS and Word know on Chinese systems: 宋体 for the text, 黑体 for the title (an office's standard).
DOCX_BODY_FONT = "宋体"
DOCX_TITLE_FONT = "黑体"
DOCX_LATIN_FONT = "Times New Roman"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_MIME = "application/pdf"
LARGEST_AMOUNT = Decimal("999999999999.99")  # the capitals below write up to 仟亿

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Money = Annotated[Decimal, Field(gt=0, le=LARGEST_AMOUNT, decimal_places=2)]


class DocumentFontMissing(RuntimeError):
    """The PDF's CJK font is not installed: `make deps` installs it (fonts-wqy-microhei)."""


class ClaimKind(StrEnum):
    """What an agreed term pays for. The first four are the matters of Art. 16: if the employer does not
    pay them by the agreed date, the worker may ask the basic-level court for a payment order (支付令)."""

    WAGES = "wages"                                   # 拖欠劳动报酬
    INJURY_MEDICAL = "injury_medical"                 # 工伤医疗费
    ECONOMIC_COMPENSATION = "economic_compensation"   # 经济补偿
    DAMAGES = "damages"                               # 赔偿金
    OTHER = "other"


PAYMENT_ORDER_KINDS = frozenset({ClaimKind.WAGES, ClaimKind.INJURY_MEDICAL, ClaimKind.ECONOMIC_COMPENSATION,
                                 ClaimKind.DAMAGES})

CLAIM_KIND_LABELS = {
    ClaimKind.WAGES: N_("wages owed"),
    ClaimKind.INJURY_MEDICAL: N_("work-injury medical costs"),
    ClaimKind.ECONOMIC_COMPENSATION: N_("economic compensation"),
    ClaimKind.DAMAGES: N_("damages"),
    ClaimKind.OTHER: N_("other matters"),
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AgreementWorker(_Model):
    name: Name
    phone: Name


class AgreementEmployer(_Model):
    name: Name
    address: Text | None = None
    contact: Name | None = None   # the person who speaks for it, and how to reach them


class AgreementTerm(_Model):
    """One thing the agreement settles: what, for which kind of claim, how much and by when."""

    description: Text
    kind: ClaimKind = ClaimKind.OTHER
    amount: Money | None = None
    due_on: date | None = None   # the employer has the whole day

    @model_validator(mode="after")
    def _a_payment_has_a_date(self) -> AgreementTerm:
        if self.amount is not None and self.due_on is None:
            raise ValueError("a term with an amount needs the date it is due by")
        return self


class MediationAgreement(_Model):
    number: Name                 # the case number
    worker: AgreementWorker
    employer: AgreementEmployer
    centre: Name                 # the mediation organisation, whose seal it takes
    mediator: Name
    matters: list[Text] = Field(min_length=1, max_length=20)   # the matters in dispute
    terms: list[AgreementTerm] = Field(min_length=1, max_length=30)
    made_on: date
    effective_on: date | None = None   # all four signatures and seals are on it (Art. 14)
    confirm_by: date | None = None     # the last day to apply jointly for review and confirmation

    @model_validator(mode="after")
    def _dates_in_order(self) -> MediationAgreement:
        if self.effective_on is not None and self.effective_on < self.made_on:
            raise ValueError("the agreement cannot take effect before it was made")
        if self.confirm_by is not None and self.effective_on is None:
            raise ValueError("the date for review and confirmation counts from the agreement taking effect")
        return self

    @property
    def payment_order_possible(self) -> bool:
        return any(term.kind in PAYMENT_ORDER_KINDS and term.amount is not None for term in self.terms)


# --- The arbitration application --------------------------------------------------------------------

class Sex(StrEnum):
    MALE = "male"
    FEMALE = "female"


SEX_LABELS = {Sex.MALE: N_("male"), Sex.FEMALE: N_("female")}

_RESIDENT_ID = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class ResidentId:
    """What an 18-digit resident identity number (GB 11643-1999) says of its holder."""

    number: str
    born_on: date
    sex: Sex


def read_resident_id(text: str) -> ResidentId | None:
    """The number's birth date and sex, or None if it is not a valid 18-digit number (its check digit,
    its date)."""
    number = text.strip().upper()
    if not _RESIDENT_ID.match(number):
        return None
    check = _ID_CHECK[sum(int(digit) * weight for digit, weight in zip(number, _ID_WEIGHTS, strict=False)) % 11]
    if number[-1] != check:
        return None
    try:
        born_on = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return ResidentId(number, born_on, Sex.MALE if int(number[16]) % 2 else Sex.FEMALE)


class Applicant(_Model):
    """The worker as rules Art. 29 wants them named. Without the identity number (the worker did not
    consent to giving it in chat) its place, and the sex it would tell, are left for the office's form."""

    name: Name
    sex: Sex | None = None
    born_on: date
    id_number: Name | None = None
    address: Text
    phone: Name
    work_unit: Name              # 工作单位 (law Art. 28): the employer

    @model_validator(mode="after")
    def _the_id_number_agrees(self) -> Applicant:
        if self.id_number is None:
            return self
        resident = read_resident_id(self.id_number)
        if resident is None:
            raise ValueError("not a valid 18-digit resident identity number")
        if (resident.born_on, resident.sex) != (self.born_on, self.sex):
            raise ValueError("the date of birth or sex does not match the identity number")
        return self


class Respondent(_Model):
    name: Name
    address: Text | None = None          # filled in by hand when the worker does not know it
    phone: Name | None = None
    legal_representative: Name | None = None   # 法定代表人 (or 主要负责人); likewise


class Claim(_Model):
    text: Text
    amount: Money | None = None


class EvidenceEntry(_Model):
    description: Text
    source: Text
    witness: Text | None = None   # a witness's name and address


class ArbitrationApplication(_Model):
    number: Name                 # the case number, for the office's reference
    committee: Name              # the arbitration committee it is addressed to
    applicant: Applicant
    respondent: Respondent
    claims: list[Claim] = Field(min_length=1, max_length=20)
    facts: list[Text] = Field(min_length=1, max_length=40)
    evidence: list[EvidenceEntry] = Field(default_factory=list, max_length=40)
    drafted_on: date


class ApplicationDetails(_Model):
    """What mediation did not need and arbitration does, asked on referral. The identity number is
    sensitive personal information (PIPL Art. 28) asked only with its own consent; with it, sex and date
    of birth come from the number, without it the date of birth is asked and the number left blank."""

    id_number: Name | None = None
    born_on: date | None = None
    address: Text
    employer_name: Name | None = None   # when the case has none (a platform worker often cannot name it)
    employer_address: Text | None = None
    employer_phone: Name | None = None
    legal_representative: Name | None = None

    @field_validator("id_number")
    @classmethod
    def _a_valid_id_number(cls, value: str | None) -> str | None:
        if value is None:
            return None
        resident = read_resident_id(value)
        if resident is None:
            raise ValueError("not a valid 18-digit resident identity number")
        return resident.number

    @model_validator(mode="after")
    def _a_date_of_birth(self) -> ApplicationDetails:
        if self.id_number is None and self.born_on is None:
            raise ValueError("the date of birth is needed when the identity number is not given")
        return self

    @property
    def resident(self) -> ResidentId | None:
        return read_resident_id(self.id_number) if self.id_number is not None else None


class CaseNotReady(ValueError):
    """The case lacks something the application must name (the field is in the message)."""


def application_from_case(case: Case, details: ApplicationDetails, evidence: list[EvidenceItem], *,
                          committee: str, drafted_on: date, locale: str = "zh_CN") -> ArbitrationApplication:
    """The draft the worker reads and signs: the intake's answers, the details asked on referral, the
    evidence filed with the case. The facts are what the worker told the intake, for them to correct."""
    fields = case.fields
    resident = details.resident
    employer = details.employer_name or _text_field(fields, "employer")
    if employer is None:
        raise CaseNotReady("employer")
    born_on = resident.born_on if resident else details.born_on
    if born_on is None:  # the details' validator requires one of the two
        raise CaseNotReady("born_on")
    applicant = Applicant(
        name=_required(fields, "name"), sex=resident.sex if resident else None, born_on=born_on,
        id_number=resident.number if resident else None, address=details.address, phone=_required(fields, "phone"),
        work_unit=employer,
    )
    respondent = Respondent(name=employer, address=details.employer_address, phone=details.employer_phone,
                            legal_representative=details.legal_representative)
    amount = fields.get("amount")
    claims = [Claim(text=_required(fields, "claim"), amount=Decimal(str(amount)) if amount else None)]
    gettext = translations(locale).gettext
    return ArbitrationApplication(
        number=case.number or str(case.id), committee=committee, applicant=applicant, respondent=respondent,
        claims=claims, facts=_facts(fields, gettext, locale), evidence=_evidence(fields, evidence, gettext),
        drafted_on=drafted_on,
    )


def _text_field(fields: dict[str, Any], code: str) -> str | None:
    value = fields.get(code)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _required(fields: dict[str, Any], code: str) -> str:
    value = _text_field(fields, code)
    if value is None:
        raise CaseNotReady(code)
    return value


# The intake's answers a statement of facts can use as they are (dates, amounts, the worker's own words).
_FACT_LABELS = {
    "start_date": N_("Employed since"),
    "end_date": N_("Employment ended on"),
    "period": N_("Period owed"),
    "amount": N_("Amount owed"),
    "monthly_wage": N_("Monthly wage"),
    "incident_date": N_("Date of the incident"),
    "workers_affected": N_("Workers owed"),
    "employer_reason": N_("Reason the employer gave"),
}


def _facts(fields: dict[str, Any], gettext: Any, locale: str) -> list[str]:
    facts = []
    if description := _text_field(fields, "description"):
        facts.append(description)
    for code, label in _FACT_LABELS.items():
        value = fields.get(code)
        if value in (None, "", {}):
            continue
        if code in ("start_date", "end_date", "incident_date"):
            shown = show_date(date.fromisoformat(value), locale)
        elif code == "period" and isinstance(value, dict):
            shown = gettext("{start} to {end}").format(start=show_date(date.fromisoformat(value["start"]), locale),
                                                       end=show_date(date.fromisoformat(value["end"]), locale))
        elif code in ("amount", "monthly_wage"):
            shown = show_money(Decimal(str(value)), locale)
        else:
            shown = str(value)
        facts.append(punctuation(locale).field(gettext(label), shown))
    if not facts:
        raise CaseNotReady("description")
    return facts


def _evidence(fields: dict[str, Any], items: list[EvidenceItem], gettext: Any) -> list[EvidenceEntry]:
    entries = [EvidenceEntry(description=item.name, source=gettext("filed by the applicant with the case"))
               for item in items]
    if held := _text_field(fields, "evidence_held"):
        entries.append(EvidenceEntry(description=held, source=gettext("held by the applicant")))
    return entries


# --- Words ------------------------------------------------------------------------------------------

def show_date(day: date, locale: str) -> str:
    return format_date(day, format="long", locale=locale)


def show_money(amount: Decimal, locale: str) -> str:
    return format_currency(amount, "CNY", locale=locale)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿")


def amount_in_capitals(amount: Decimal) -> str:
    """The amount in the capital numerals of Chinese financial writing (人民币壹万贰仟伍佰元整), which
    an agreement states beside the figures so that neither can be altered."""
    if not 0 <= amount <= LARGEST_AMOUNT:
        raise ValueError(f"an amount from 0 to {LARGEST_AMOUNT} (got {amount})")
    fen_total = int((amount * 100).to_integral_value())
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    words = _yuan_in_capitals(yuan)
    if yuan:
        words += "元"
    if jiao == fen == 0:
        return "人民币" + (words or "零元") + "整"
    if jiao:
        words += _DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DIGITS[fen] + "分"
    return "人民币" + words


def _yuan_in_capitals(yuan: int) -> str:
    if not yuan:
        return ""
    digits, words, zero_pending = str(yuan), "", False
    for index, digit in enumerate(digits):
        position = len(digits) - 1 - index
        if digit == "0":
            zero_pending = True
        else:
            words += ("零" if zero_pending and words else "") + _DIGITS[int(digit)] + _PLACES[position % 4]
            zero_pending = False
        if position and position % 4 == 0 and int(digits[max(0, index - 3): index + 1]):
            words += _GROUPS[position // 4]  # the end of a group of four that is not all zeros
    return words


def money_with_capitals(amount: Decimal, locale: str) -> str:
    return translations(locale).gettext("{amount} (in words: {capitals})").format(
        amount=show_money(amount, locale), capitals=amount_in_capitals(amount))


@dataclass(frozen=True)
class Punctuation:
    """The marks between the translated words: Chinese takes full-width ones (the words are translated,
    the marks follow the language)."""

    colon: str
    enumeration: str   # after an item's number
    full_stop: str
    opening: str
    closing: str

    def field(self, label: str, value: str) -> str:
        return f"{label}{self.colon}{value}"

    def bracketed(self, text: str, inner: str) -> str:
        return f"{text}{self.opening}{inner}{self.closing}"


CHINESE_MARKS = Punctuation(colon="：", enumeration="、", full_stop="。", opening="（", closing="）")
WESTERN_MARKS = Punctuation(colon=": ", enumeration=". ", full_stop=".", opening=" (", closing=")")


def punctuation(locale: str) -> Punctuation:
    return CHINESE_MARKS if locale.startswith("zh") else WESTERN_MARKS


# --- Layout -----------------------------------------------------------------------------------------

class Style(StrEnum):
    TITLE = "title"
    HEADING = "heading"
    BODY = "body"
    SIGNATURE = "signature"   # a place to sign or seal, with room above it


@dataclass(frozen=True)
class Block:
    style: Style
    text: str


@dataclass(frozen=True)
class Layout:
    title: str
    blocks: list[Block]


@dataclass(frozen=True)
class DocumentFile:
    name: str
    mime: str
    content: bytes


SIGNATURE_BLANK = "＿" * 10
DATE_BLANK = "　　年　　月　　日"


def agreement_layout(agreement: MediationAgreement, locale: str = "zh_CN") -> Layout:
    gettext, marks = translations(locale).gettext, punctuation(locale)

    def field(label: str, value: str | None) -> Block:
        return Block(Style.BODY, marks.field(gettext(label), value or SIGNATURE_BLANK))

    worker, employer = agreement.worker, agreement.employer
    title = gettext("Labour Dispute Mediation Agreement")
    blocks = [
        Block(Style.TITLE, title),
        Block(Style.BODY, gettext("Case number: {number}").format(number=agreement.number)),
        Block(Style.HEADING, gettext("Parties")),
        field(N_("Worker"), worker.name),
        field(N_("Phone"), worker.phone),
        field(N_("Employer"), employer.name),
        field(N_("Address"), employer.address),
        field(N_("Contact"), employer.contact),
        Block(Style.HEADING, gettext("Mediation organisation and mediator")),
        field(N_("Mediation organisation"), agreement.centre),
        field(N_("Mediator"), agreement.mediator),
        Block(Style.HEADING, gettext("Matters in dispute")),
        *_numbered(agreement.matters, marks),
        Block(Style.HEADING, gettext("Agreed terms")),
        Block(Style.BODY, gettext("Through mediation, both parties have freely agreed as follows:")),
        *_numbered([_term_text(term, gettext, locale) for term in agreement.terms], marks),
        Block(Style.HEADING, gettext("Effect and what follows")),
        Block(Style.BODY, gettext(
            "This agreement takes effect when both parties have signed or sealed it, the mediator has signed "
            "it and the mediation organisation has sealed it; it binds both parties, who shall perform it "
            "(Labour Dispute Mediation and Arbitration Law, Art. 14).")),
        Block(Style.BODY, gettext(
            "If a party does not perform the agreement within the agreed time, the other party may apply for "
            "arbitration (Art. 15).")),
    ]
    if agreement.payment_order_possible:
        blocks.append(Block(Style.BODY, gettext(
            "For terms on wages owed, work-injury medical costs, economic compensation or damages: if the "
            "employer does not pay within the agreed time, the worker may take this agreement to the "
            "basic-level people's court and apply for a payment order (Art. 16).")))
    blocks.append(Block(Style.BODY, gettext(
        "Both parties may jointly apply to the labour and personnel dispute arbitration committee, within 15 "
        "days of this agreement taking effect, to review and confirm it (Arbitration Case-Handling Rules, "
        "Art. 74).")))
    if agreement.effective_on is not None and agreement.confirm_by is not None:
        blocks.append(Block(Style.BODY, gettext("This agreement took effect on {effective}: apply by {date}.").format(
            effective=show_date(agreement.effective_on, locale), date=show_date(agreement.confirm_by, locale))))
    blocks += [
        Block(Style.BODY, gettext("This agreement is made in three copies: one for each party and one for the "
                                  "mediation organisation.")),
        Block(Style.BODY, gettext("Made on {date}.").format(date=show_date(agreement.made_on, locale))),
        *_signature(gettext("Worker (signature)"), gettext),
        *_signature(gettext("Employer (seal), and its representative (signature)"), gettext),
        *_signature(gettext("Mediator (signature)"), gettext),
        *_signature(gettext("Mediation organisation (seal)"), gettext),
    ]
    return Layout(title, blocks)


def _term_text(term: AgreementTerm, gettext: Any, locale: str) -> str:
    what = term.description if term.kind is ClaimKind.OTHER else punctuation(locale).bracketed(
        term.description, gettext(CLAIM_KIND_LABELS[term.kind]))
    if term.amount is not None and term.due_on is not None:
        return gettext("{what}: {amount}, to be paid on or before {date}.").format(
            what=what, amount=money_with_capitals(term.amount, locale), date=show_date(term.due_on, locale))
    if term.due_on is not None:
        return gettext("{what}, to be done on or before {date}.").format(what=what,
                                                                         date=show_date(term.due_on, locale))
    return what + punctuation(locale).full_stop


def _numbered(texts: list[str], marks: Punctuation) -> list[Block]:
    return [Block(Style.BODY, f"{index}{marks.enumeration}{text}") for index, text in enumerate(texts, start=1)]


def _signature(label: str, gettext: Any) -> list[Block]:
    return [Block(Style.SIGNATURE, gettext("{label}: {blank}    Date: {date}").format(
        label=label, blank=SIGNATURE_BLANK, date=DATE_BLANK))]


def application_layout(application: ArbitrationApplication, locale: str = "zh_CN") -> Layout:
    gettext, marks = translations(locale).gettext, punctuation(locale)

    def field(label: str, value: str | None) -> Block:
        return Block(Style.BODY, marks.field(gettext(label), value or SIGNATURE_BLANK))

    applicant, respondent = application.applicant, application.respondent
    title = gettext("Application for Labour Dispute Arbitration")
    claims = [marks.bracketed(claim.text, money_with_capitals(claim.amount, locale))
              if claim.amount is not None else claim.text for claim in application.claims]
    evidence = [gettext("{description}; source: {source}; witness: {witness}").format(
        description=entry.description, source=entry.source, witness=entry.witness or gettext("none named"))
        for entry in application.evidence]
    return Layout(title, [
        Block(Style.TITLE, title),
        Block(Style.BODY, gettext("Draft prepared from case {number} for the applicant to check and sign.").format(
            number=application.number)),
        Block(Style.HEADING, gettext("Applicant")),
        field(N_("Name"), applicant.name),
        field(N_("Sex"), gettext(SEX_LABELS[applicant.sex]) if applicant.sex else None),
        field(N_("Date of birth"), show_date(applicant.born_on, locale)),
        field(N_("Identity number"), applicant.id_number),
        field(N_("Address"), applicant.address),
        field(N_("Phone"), applicant.phone),
        field(N_("Work unit"), applicant.work_unit),
        Block(Style.HEADING, gettext("Respondent")),
        field(N_("Name"), respondent.name),
        field(N_("Address"), respondent.address),
        field(N_("Phone"), respondent.phone),
        field(N_("Legal representative"), respondent.legal_representative),
        Block(Style.HEADING, gettext("Claims")),
        *_numbered(claims, marks),
        Block(Style.HEADING, gettext("Facts and reasons")),
        *[Block(Style.BODY, fact) for fact in application.facts],
        Block(Style.HEADING, gettext("Evidence, its source, and witnesses")),
        *(_numbered(evidence, marks) if evidence else [Block(Style.BODY, SIGNATURE_BLANK)]),
        Block(Style.BODY, gettext("To: {committee}").format(committee=application.committee)),
        *_signature(gettext("Applicant (signature)"), gettext),
        Block(Style.BODY, gettext("Drafted on {date}.").format(date=show_date(application.drafted_on, locale))),
    ])


# --- Writers ----------------------------------------------------------------------------------------

def to_docx(layout: Layout) -> bytes:
    document = Document()
    _chinese_defaults(document)
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4, not the template's Letter
    section.left_margin = section.right_margin = Mm(25)
    section.top_margin = section.bottom_margin = Mm(25)
    document.core_properties.title = layout.title
    document.core_properties.language = "zh-CN"
    for block in layout.blocks:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(block.text)
        run.font.name = DOCX_LATIN_FONT
        east_asian = DOCX_TITLE_FONT if block.style is Style.TITLE else DOCX_BODY_FONT
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)
        if block.style is Style.TITLE:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size, run.bold = Pt(18), True
            paragraph.paragraph_format.space_after = Pt(18)
        elif block.style is Style.HEADING:
            run.font.size, run.bold = Pt(12), True
            paragraph.paragraph_format.space_before = Pt(12)
        else:
            run.font.size = Pt(12)
            if block.style is Style.SIGNATURE:
                paragraph.paragraph_format.space_before = Pt(24)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _chinese_defaults(document: Any) -> None:
    """The template's defaults name theme fonts, and a theme font wins over a named one in the same
    place: name the fonts instead, so text without a run of its own is Chinese too."""
    defaults = document.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    for theme in ("w:asciiTheme", "w:eastAsiaTheme", "w:hAnsiTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attribute, font in (("w:ascii", DOCX_LATIN_FONT), ("w:hAnsi", DOCX_LATIN_FONT),
                            ("w:eastAsia", DOCX_BODY_FONT)):
        fonts.set(qn(attribute), font)
    language = defaults.find(qn("w:lang"))
    if language is not None:
        language.set(qn("w:eastAsia"), "zh-CN")


_PDF_SIZES = {Style.TITLE: 18, Style.HEADING: 13, Style.BODY: 11.5, Style.SIGNATURE: 11.5}
_PDF_SPACE_BEFORE = {Style.TITLE: 0, Style.HEADING: 4, Style.BODY: 0.5, Style.SIGNATURE: 9}


def to_pdf(layout: Layout, font_file: Path = CJK_FONT_FILE) -> bytes:
    if not font_file.is_file():
        raise DocumentFontMissing(f"{font_file} is missing: run `make deps` (Debian's fonts-wqy-microhei)")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(auto=True, margin=25)
    pdf.set_title(layout.title)
    pdf.set_lang("zh-CN")
    pdf.add_font(_PDF_FAMILY, fname=font_file, collection_font_number=CJK_FONT_FACE)
    pdf.add_page()
    for block in layout.blocks:
        size = _PDF_SIZES[block.style]
        pdf.set_font(_PDF_FAMILY, size=size)
        pdf.ln(_PDF_SPACE_BEFORE[block.style])
        # Chinese has no spaces to break lines at: break between characters.
        pdf.multi_cell(0, size * 0.55, block.text, align=Align.C if block.style is Style.TITLE else Align.L,
                       wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if block.style is Style.TITLE:
            pdf.ln(4)
    return bytes(pdf.output())


def files(layout: Layout, stem: str) -> list[DocumentFile]:
    """The document as DOCX and PDF, named `stem` (the title and the case number, say)."""
    return [DocumentFile(f"{stem}.docx", DOCX_MIME, to_docx(layout)), DocumentFile(f"{stem}.pdf", PDF_MIME,
                                                                                   to_pdf(layout))]
