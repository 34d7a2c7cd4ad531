"""The intake's words: the privacy notice, questions with why they are asked and an example, answer
labels, problems, notices, the summary, and answers, dates, money and evidence rendered for the worker's
language (the renderings are shared with mycases, the desk and the notices)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from aiogram.types import Message
from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

from bot.cases import DisputeKind
from bot.chat.telegram_html import escape
from bot.intake.collective import AlertReason
from bot.intake.draft import (
    EVIDENCE_COUNT_LIMIT,
    EVIDENCE_SIZE_LIMIT,
    AnswerValue,
    Draft,
    EvidenceItem,
    EvidenceRefusal,
    Notice,
)
from bot.intake.limitation import LimitationEstimate, estimate
from bot.intake.questions import QUESTIONS, AnswerType
from bot.intake.validation import Problem, Verdict
from bot.people import Front

MEGABYTE = 1024 * 1024
DESCRIPTION_EXCERPT = 300


@dataclass(frozen=True)
class Wording:
    prompt: str
    why: str
    example: str


def locale() -> str:
    return get_i18n().current_locale


def show_date(day: date) -> str:
    return format_date(day, format="long", locale=locale())


def show_moment(moment: datetime, zone: ZoneInfo) -> str:
    """A local date and time to the minute, as the worker's language writes them."""
    local = moment.astimezone(zone)
    day = format_date(local.date(), format="medium", locale=locale())
    return f"{day} {format_time(local.time(), format='short', locale=locale())}"


def show_money(amount: str | Decimal) -> str:
    return format_currency(Decimal(amount), "CNY", locale=locale())


def show_size(size: int | None) -> str:
    """A file's size in KB below a megabyte (never "0.0 MB"), else in MB."""
    if size is None:
        return "?"
    if size < MEGABYTE:
        return _("{kb} KB").format(kb=format_decimal(max(1, math.ceil(size / 1024)), locale=locale()))
    return _("{mb} MB").format(mb=format_decimal(size / MEGABYTE, "0.0", locale=locale()))


def kind_label(kind: DisputeKind | str) -> str:
    return {
        DisputeKind.WAGES: _("Unpaid wages"),
        DisputeKind.CONTRACT: _("Labour contract"),
        DisputeKind.PLATFORM: _("Platform work (delivery, ride-hailing, courier)"),
    }[DisputeKind(kind)]


def choice_label(code: str, value: str) -> str:
    labels = {
        "kind": {kind.value: kind_label(kind) for kind in DisputeKind},
        "industry": {
            "construction": _("Construction"), "factory": _("Factory"), "service": _("Shops, restaurants, services"),
            "logistics": _("Logistics, warehouses"), "other": _("Other"),
        },
        "contract_issue": {
            "no_contract": _("No written contract"), "dismissal": _("Dismissed"),
            "compensation": _("Severance pay (economic compensation)"), "insurance": _("Social insurance not paid"),
            "probation": _("Probation"), "overtime": _("Overtime, rest days, leave"), "other": _("Something else"),
        },
        "written_contract": {"yes": _("Yes"), "no": _("No"), "unsure": _("Not sure")},
        "platform": {
            "meituan": _("Meituan"), "eleme": _("Ele.me"), "didi": _("Didi"), "lalamove": _("Lalamove"),
            "sf": _("SF"), "jd": _("JD"), "other": _("Other"),
        },
        "relation": {
            "direct": _("Employed by the platform"), "agency": _("Through an agency or station (外包)"),
            "crowd": _("Crowdsourced (众包), I take orders myself"), "unknown": _("I don't know"),
        },
        "platform_issue": {
            "pay": _("Pay not received"), "penalty": _("Fines and deductions"),
            "deactivated": _("Account blocked"), "injury": _("Injured at work"), "hours": _("Hours and rest"),
        },
        "workers_affected": {"1": _("Only me")},
    }
    return labels.get(code, {}).get(value, value)


def field_label(code: str, kind: DisputeKind | None = None) -> str:
    """The short name of an answer, for the summary, edit buttons and what was understood."""
    if code == "employer" and kind is DisputeKind.PLATFORM:
        return _("Station, agency or company")
    if code == "amount" and kind is DisputeKind.PLATFORM:
        return _("Money at stake")
    return {
        "kind": _("What it is about"), "employer": _("Employer"), "industry": _("Industry"),
        "period": _("Period unpaid"), "amount": _("Owed to you"), "group_amount": _("Owed to all of you together"),
        "monthly_wage": _("Monthly wage"),
        "contract_issue": _("The problem"), "start_date": _("Started work"), "written_contract": _("Written contract"),
        "job_ended": _("Job has ended"), "end_date": _("Job ended on"), "employer_reason": _("Employer's reason"),
        "platform": _("Platform"), "relation": _("Work arrangement"), "platform_issue": _("The problem"),
        "injury_details": _("Injury"), "incident_date": _("When it happened"),
        "workers_affected": _("Workers affected"), "claim": _("What you want"),
        "evidence_held": _("Evidence, and who holds it"),
        "name": _("Name"), "phone": _("Phone"), "workplace": _("Workplace"), "residence": _("Where you are"),
    }[code]


def wording(code: str, kind: DisputeKind | None) -> Wording:
    platform = kind is DisputeKind.PLATFORM
    if code == "employer" and platform:
        return Wording(_("Which station, agency or company do you work through?"),
                       _("The platform often works through local stations or agencies; mediation needs the one "
                         "that pays you. Skip if you don't know."),
                       _("美团外卖东西湖站 / 武汉某某劳务派遣有限公司"))
    if code == "amount" and platform:
        return Wording(_("How much money is at stake (pay not received, fines or deductions)?"),
                       _("The amount shows the size of the claim. Skip if it is not about money."),
                       _("1,200 yuan / 一千二"))
    if code == "end_date" and kind is DisputeKind.CONTRACT:
        return Wording(_("On what date did the job end, or were you dismissed?"),
                       _("Claims must be made within a year of the job ending; this date starts that year."),
                       _("2026-05-31 / 今年5月31日"))
    texts = {
        "kind": (_("What is your dispute about?"), _("Each kind of dispute needs different facts."),
                 _("Unpaid wages")),
        "employer": (_("Who is your employer? The company, boss or labour contractor (包工头)."),
                     _("The mediation centre contacts them; the name lets us find them."),
                     _("武汉某某建筑劳务有限公司 / 包工头张某")),
        "industry": (_("What industry do you work in?"),
                     _("Construction wages have special rules: the main contractor pays first."),
                     _("Construction")),
        "period": (_("For which period are you owed wages?"),
                   _("The period shows when the wages fell due."), _("2026年3月到8月 / March to August 2026")),
        "amount": (_("How much are you owed yourself, in yuan? Only your own share, not your workmates'."),
                   _("The amount is the core of the claim. Workmates owed too can file their own share."),
                   _("12,500 yuan / 一万二千五")),
        "group_amount": (_("How much are all of you owed together, in yuan?"),
                         _("The total for everyone with the same claim shows the size of a collective dispute. "
                           "Skip to leave it out."),
                         _("180,000 yuan / 十八万")),
        "monthly_wage": (_("What was your monthly wage?"),
                         _("It helps check the amount and any compensation. Skip if you are not sure."),
                         _("6,000 yuan / 六千")),
        "contract_issue": (_("What is the main problem?"), _("Each problem has its own rules and remedies."),
                           _("No written contract")),
        "start_date": (_("When did you start working there?"),
                       _("The start date counts for compensation and the double wage without a contract."),
                       _("2025-03-01 / 去年3月1日")),
        "written_contract": (_("Did you sign a written labour contract?"),
                             _("Without one after the first month, the employer may owe double wages."), _("No")),
        "job_ended": (_("Has the job ended?"),
                      _("Once a job ends, claims must be made within a year."), _("Yes")),
        "end_date": (_("On what date did the job end?"),
                     _("Claims must be made within a year of the job ending; this date starts that year."),
                     _("2026-05-31 / 今年5月31日")),
        "employer_reason": (_("What reason did the employer give?"),
                            _("The mediator checks whether the reason holds. Skip if none was given."),
                            _("They said I was late too often")),
        "platform": (_("Which platform do you work on? Choose, or type its name."),
                     _("Each platform has its own rules and contacts."), _("Meituan")),
        "relation": (_("How do you work for it?"),
                     _("Whether there is a labour relation decides which remedies are open."),
                     _("Through an agency or station (外包)")),
        "platform_issue": (_("What is the problem?"), _("Each problem is handled differently."),
                           _("Account blocked")),
        "injury_details": (_("What injury did you have, and how did it happen?"),
                           _("The details help the mediator and the occupational-injury scheme. Skip if you "
                             "prefer not to say."),
                           _("Fell off the e-bike on a delivery on 3 November, broke my left wrist")),
        "incident_date": (_("On what date did it happen (or start)?"),
                          _("Claims must be made within a year; this date starts that year. Skip if not sure."),
                          _("2026-10-15 / 上个月15号")),
        "workers_affected": (_("How many workers, you included, have the same problem with this employer?"),
                             _("Ten or more make a collective case, which is handled urgently."), _("12")),
        "claim": (_("What do you want to achieve?"), _("The mediator works towards what you ask for."),
                  _("Pay the 12,500 yuan owed before the end of the month")),
        "evidence_held": (_("What evidence do you have, and what does the employer hold?"),
                          _("Each side proves its own claims, but the employer must produce what it holds "
                            "(such as attendance and pay records). You can send photos and files at any time."),
                          _("I have WeChat chats and bank transfers; the company has the attendance records")),
        "name": (_("What is your name?"), _("The mediator needs to know who you are."), _("张伟")),
        "phone": (_("What phone number can the mediator call you on?"),
                  _("The centre calls to arrange mediation."), _("138 0013 8000")),
        "workplace": (_("Where is your workplace? The address, or the street (街道) and district."),
                      _("The case goes to the mediation centre responsible for your workplace."),
                      _("东西湖区吴家山街道临空港大道100号")),
        "residence": (_("Where do you live, or where are you now? Type it, or share your location."),
                      _("We look for a centre you can reach within half an hour. Skip if you prefer."),
                      _("江汉区汉兴街道")),
    }
    prompt, why, example = texts[code]
    return Wording(prompt, why, example)


def question_text(code: str, draft: Draft) -> str:
    words = wording(code, draft.kind)
    lines = [f"<b>{escape(words.prompt)}</b>", escape(words.why),
             "<i>" + _("For example: {example}").format(example=escape(words.example)) + "</i>"]
    if code in draft.answers:
        lines.append(_("Your answer so far: {answer}").format(answer=answer_text(code, draft.answers[code])))
    return "\n".join(lines)


def answer_text(code: str, value: AnswerValue) -> str:
    """An answer as the worker reads it, HTML-escaped."""
    question = QUESTIONS[code]
    match question.type, value:
        case AnswerType.YES_NO, bool():
            return _("Yes") if value else _("No")
        case AnswerType.DATE, str():
            return show_date(date.fromisoformat(value))
        case AnswerType.PERIOD, {"start": str(start), "end": str(end)}:
            return _("{start} to {end}").format(start=show_date(date.fromisoformat(start)),
                                                end=show_date(date.fromisoformat(end)))
        case AnswerType.AMOUNT, str():
            return show_money(value)
        case AnswerType.PLACE, {"lat": float(), "lon": float()}:
            return _("shared location")
        case AnswerType.COUNT, int():
            return choice_label(code, str(value)) if value == 1 else str(value)
        case AnswerType.CHOICE, str():
            return escape(choice_label(code, value))
    return escape(str(value))


def problem_text(verdict: Verdict) -> str:
    problem = verdict.problem
    if problem is Problem.TOO_LONG:
        return _("That is too long: at most {limit} characters here.").format(limit=verdict.limit)
    if problem is Problem.NO_SUCH_DAY:
        return _("There is no such day as {day}: that month has {days} days. Please check the date.").format(
            day=escape(verdict.detail or ""), days=verdict.limit)
    return {
        Problem.EMPTY: _("The answer is empty."),
        Problem.NO_WORDS: _("I need words here: letters or digits, not only emoji or symbols."),
        Problem.NOT_A_DATE: _("I could not read a date in that."),
        Problem.TOO_VAGUE: _("That is a whole year; please give at least the month, for example 2025年3月."),
        Problem.FUTURE_DATE: _("That date is in the future; I need one that has already passed."),
        Problem.TOO_OLD: _("That is more than 30 years ago; please check the year."),
        Problem.BEFORE_START: _("That is before the date you started work."),
        Problem.NOT_A_PERIOD: _("I could not read a period (from when to when) in that."),
        Problem.NOT_AN_AMOUNT: _("I could not read an amount of money in that."),
        Problem.NEGATIVE_AMOUNT: _("An amount cannot be negative."),
        Problem.ZERO_AMOUNT: _("The amount is zero; if no money is owed, go back and choose another kind."),
        Problem.ABSURD_AMOUNT: _("That amount looks far too large; please check the number of digits."),
        Problem.NOT_A_COUNT: _("I need a whole number of people, 1 or more, such as 12."),
        Problem.MONEY_NOT_COUNT: _("That looks like an amount of money. Here I need how many workers, you "
                                   "included, have the same problem, such as 12."),
        Problem.ABSURD_COUNT: _("That number of people looks far too large; please check it."),
        Problem.NOT_A_PHONE: _("That does not look like a phone number in China."),
        Problem.NOT_A_CHOICE: _("Please choose one of the buttons."),
        Problem.NOT_A_LOCATION: _("That location cannot be used. Please type the street and district instead."),
    }[problem]


def show_count(count: int) -> str:
    return format_decimal(count, locale=locale())


def large_count_text(count: int) -> str:
    """An implausibly large head count is taken only once the worker confirms it."""
    return _("⚠️ You wrote {count} workers. That many makes the case collective and urgent, and the district "
             "is alerted. If it is right, tap the button; if not, type the number of workers again.").format(
        count=show_count(count))


def large_count_button(count: int) -> str:
    return _("Yes, {count} workers").format(count=show_count(count))


def not_text_problem() -> str:
    return _("I need a typed answer here; stickers, voice messages and the like cannot be used.")


def notice_text(notice: Notice, limitation: LimitationEstimate | None, *,
                injury_deadline: date | None = None) -> str | None:
    """`limitation` is the current estimate; without one the limitation notice has nothing to say (None).
    `injury_deadline` is the estimated last day for 工伤认定, when the injury's date is known."""
    if notice is Notice.LIMITATION:
        return limitation_text(limitation) if limitation is not None else None
    if notice is Notice.WORK_INJURY:
        return work_injury_text(injury_deadline)
    return {
        Notice.INJURY_SCHEME: _(
            "ℹ️ Injured at work: platform workers in Hubei are covered by the occupational-injury protection "
            "scheme (职业伤害保障) since 1 July 2025 (Meituan, Ele.me, Dada, Shansong, Lalamove, Didi, SF "
            "Intra-city and others). Report the injury to the platform in its app as soon as you can; the "
            "mediator can help with the claim."),
        Notice.CROWDSOURCED: _(
            "ℹ️ Crowdsourced (众包) riders often have no labour relation with the platform, so a labour "
            "arbitration committee may not accept the case. Mediation can still help, and the mediator will "
            "tell you which way is open to you."),
        Notice.COLLECTIVE: _(
            "ℹ️ Ten or more workers with the same claim make a collective dispute. When you submit, your case "
            "is marked urgent and the district is told at once. Others can file too, or choose representatives."),
    }[notice]


def work_injury_text(deadline: date | None) -> str:
    """Work-injury recognition (工伤保险条例 Art. 17), beside the platform scheme: for riders and drivers
    with a labour relation (direct or through an agency or station)."""
    lines = [_(
        "ℹ️ Work-injury recognition (工伤认定): if you are employed, directly or through an agency or station, "
        "you can apply to the district HR and social security bureau within one year of the injury "
        "(Work-Injury Insurance Regulations, Art. 17); your employer should apply within 30 days. Crowdsourced "
        "riders without a labour relation use the occupational-injury scheme instead.")]
    if deadline is not None:
        lines.append(_("⏳ Counting from the date of the injury you gave, to be safe treat {last_day} as the last "
                       "day. This is an estimate; the mediator can help you apply.").format(
            last_day=show_date(deadline)))
    return "\n".join(lines)


def limitation_text(limitation: LimitationEstimate) -> str:
    if limitation.passed:
        return _(
            "⏳ Time limit: counting from {start}, the one-year limit for arbitration may already have passed "
            "(around {last_day}). This is only an estimate, and mediation is still possible: file now, and tell "
            "the mediator about anything that paused the clock, such as asking the employer for payment."
        ).format(start=show_date(limitation.counted_from), last_day=show_date(limitation.last_day))
    return _(
        "⏳ Time limit: a claim must be taken to arbitration within one year. Counting from {start}, to be safe "
        "treat {last_day} as your last day. This is an estimate: the law counts from when you knew of the "
        "problem. Filing this case restarts the year."
    ).format(start=show_date(limitation.counted_from), last_day=show_date(limitation.last_day))


def alert_label(reason: AlertReason) -> str:
    return {
        AlertReason.COLLECTIVE: _("collective dispute: 10 or more workers"),
        AlertReason.REPEATED_EMPLOYER: _("3 or more complaints against this employer within 30 days"),
    }[reason]


def evidence_label(item: EvidenceItem, number: int) -> str:
    """What the worker calls a piece of evidence, HTML-escaped: a file by its own name; a photo has none
    (a chat app sends it without one), so it is called by its place among the evidence."""
    if item.type == "photo":
        return _("Photo {number}").format(number=number)
    return escape(item.name)


def evidence_line(item: EvidenceItem, number: int) -> str:
    return _("📎 {name} ({size})").format(name=evidence_label(item, number), size=show_size(item.size))


def evidence_from(message: Message, number: int) -> EvidenceItem:
    """A photo (its largest size) or a document as kept on a draft or a case; `number` is its place."""
    if message.photo:
        photo = message.photo[-1]
        return EvidenceItem(file_id=photo.file_id, file_unique_id=photo.file_unique_id, type="photo",
                            name=f"photo-{number}", size=photo.file_size)
    document = message.document
    if document is None:
        raise ValueError("evidence is a photo or a document")
    name = (document.file_name or f"document-{number}")[:255]
    return EvidenceItem(file_id=document.file_id, file_unique_id=document.file_unique_id, type="document",
                        name=name, size=document.file_size)


def evidence_received_text(item: EvidenceItem, count: int) -> str:
    return _("📎 Received {name} ({size}). {count} of at most {limit} files are attached to your "
             "complaint.").format(name=evidence_label(item, count), size=show_size(item.size), count=count,
                                  limit=EVIDENCE_COUNT_LIMIT)


def evidence_refusal_text(refusal: EvidenceRefusal, item: EvidenceItem, number: int) -> str:
    if refusal is EvidenceRefusal.TOO_LARGE:
        return _("⚠️ {name} is {size}, more than the {limit} MB a file may have. Please send a smaller file, "
                 "or a photo of the document instead.").format(
            name=evidence_label(item, number), size=show_size(item.size), limit=EVIDENCE_SIZE_LIMIT // MEGABYTE)
    return _("⚠️ {limit} files are already attached, the most one case can carry. Describe any other evidence "
             "in words; the mediator can ask for it.").format(limit=EVIDENCE_COUNT_LIMIT)


# --- the intake's own screens -------------------------------------------------------------------------

def privacy_notice(front: Front) -> str:
    lines = [
        _("<b>Before you start: your personal information</b>"),
        _("<b>What we collect:</b> what you tell us about the dispute, your name, phone number, employer, "
          "workplace and where you are, and the photos and files you send. An ID number is asked only if the "
          "case goes to arbitration."),
        _("<b>Who sees it:</b> the mediators of the centre that takes your case, and the district HR bureau "
          "(区人社局) staff who supervise mediation. Every time staff open your details it is recorded."),
        _("<b>How long we keep it:</b> while the case is handled and for 3 years after it closes, in case "
          "arbitration or a court needs it; then it is deleted. A draft you cancel with /cancel is deleted at once."),
        _("<b>Your rights:</b> to get a copy of your information, correct it or have it deleted, tell your "
          "mediator in this chat or ask the district HR bureau."),
        _("Injury and health details and your precise location are sensitive: we ask for them separately, "
          "only if needed."),
    ]
    if front is Front.TELEGRAM:
        lines.append(_("Messages sent through Telegram pass through servers outside China. If you prefer, "
                       "use the district's web chat instead."))
    lines.append(_("Without your consent nothing about a complaint is kept. Do you agree?"))
    return "\n\n".join(lines)


def first_words_offer() -> str:
    """Before the notice, to a worker whose first message already tells the complaint."""
    return _("It sounds like you want to file a complaint. I can file it from what you wrote, so you need not "
             "write it again, once you have read the notice below and agreed. If you do not agree, what you "
             "wrote is not kept.")


def notice_reminder() -> str:
    return _("Before you tell me about the complaint, please read the notice above and tap “I agree”. Nothing "
             "you write goes into a complaint until then, and if you decline, what you wrote here is deleted.")


def declined_text() -> str:
    return _("Understood: nothing about a complaint has been kept. Your chat profile (name and language) is kept "
             "only so that we can talk. You can start again at any time with /new.")


def description_invitation() -> str:
    return "\n".join([
        _("<b>Tell me in your own words what happened.</b>"),
        _("Who you work for, what is owed or what went wrong, since when, and how many of you. I will fill in "
          "what I can and ask only for what is missing."),
        "<i>" + _("For example: {example}").format(example=escape(_(
            "武汉某某建筑公司欠我们12个人3月到8月的工资，我自己被欠了一万二，工地在东西湖区吴家山街道"))) + "</i>",
        _("Or choose what it is about:"),
    ])


def understood_text(draft: Draft, filled: list[str]) -> str:
    if not filled:
        return _("Thank you, I have noted your description. Now a few questions, one at a time.")
    lines = [_("Thank you. This is what I understood:")]
    # Short placeholder names: the Chinese colon differs, and nothing else in the text is to translate.
    lines += ["• " + _("{key}: {val}").format(key=escape(field_label(code, draft.kind)),
                                             val=answer_text(code, draft.answers[code]))
              for code in filled]
    if draft.street:
        lines.append("• " + _("Street: {street}").format(street=escape(draft.street)))
    lines.append(_("I will ask only for what is missing; you can correct anything in the summary at the end."))
    return "\n".join(lines)


def summary_text(draft: Draft, today: date) -> str:
    lines = [_("<b>Please check your complaint</b>"), ""]
    for question in draft.questions():
        code = question.code
        value = answer_text(code, draft.answers[code]) if code in draft.answers else _("(skipped)")
        lines.append(_("<b>{key}:</b> {val}").format(key=escape(field_label(code, draft.kind)), val=value))
    if draft.description:
        excerpt = draft.description if len(draft.description) <= DESCRIPTION_EXCERPT else (
            draft.description[:DESCRIPTION_EXCERPT] + "…")
        lines.append(_("<b>{key}:</b> {val}").format(key=escape(_("In your words")), val=escape(excerpt)))
    lines.append("")
    if draft.evidence:
        lines.append(_("<b>Evidence attached:</b> {count}").format(count=len(draft.evidence)))
        lines += [evidence_line(item, number) for number, item in enumerate(draft.evidence, start=1)]
    else:
        lines.append(_("No photos or files attached yet: you can send them now, or later from /mycases."))
    if limitation := estimate(draft, today):
        lines += ["", limitation_text(limitation)]
    lines += ["", _("Tap a button to change an answer, or submit.")]
    return "\n".join(lines)


def summary_hint() -> str:
    return _("To change an answer, tap its button below; to add evidence, send photos or files. When all is "
             "right, tap “Submit”.")


def health_consent_text() -> str:
    return _(
        "The next question is about your injury or health. The law treats this as sensitive personal "
        "information: we ask for it only with your separate consent, use it only for this case (the mediator "
        "and, if you wish, an occupational-injury claim) and keep it like the rest of the case. Do you agree?")


def location_consent_text() -> str:
    return _("A precise location is sensitive personal information. May we use it, only to find a mediation "
             "centre you can reach? If not, type the street or district instead.")


def stale_button_text() -> str:
    return _("That button belongs to an earlier question; please use the newest message.")


def unknown_command_text(command: str) -> str:
    return _("“{command}” is not a command I know. Please answer the question above; /cancel stops the "
             "complaint and /help lists the commands.").format(command=escape(command[:40]))


def lost_draft_text() -> str:
    return _("I could not find the complaint you were filling in, so it has been closed. Send /new to start again.")


def warning(problem: str) -> str:
    return f"⚠️ {problem}"
