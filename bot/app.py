"""Start-up: the dispatcher every front shares, the fronts (Telegram, web chat), and running them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.accounts import AccountService
from bot.calendar import WorkingCalendar
from bot.case_service import CaseService
from bot.chat.errors import error_handler
from bot.chat.fronts import attach_front, bot_commands, build_i18n
from bot.chat.middlewares import PersonLocaleMiddleware, PersonMiddleware, UpdateOnceMiddleware
from bot.chat.outbound import CallbackAnswers, RetryAfterMiddleware
from bot.chat.outbox_sender import OutboxSender, Sleep
from bot.clock import Clock, SystemClock
from bot.counter import CounterService
from bot.deadline_keeper import REMIND_JOB, WATCH_JOB, DeadlineKeeper
from bot.deadlines import CalendarSource
from bot.desk import ACKNOWLEDGE_JOB, ESCALATE_JOB, Acknowledgement, DeskService, RegistryCentres
from bot.employer import EmployerService
from bot.evidence import FETCH_JOB, EvidenceService, evidence_recorded
from bot.intake_service import IntakeService
from bot.jobs.health import check_health
from bot.jobs.runner import JobRunner
from bot.notify import job_runner_silent
from bot.outcomes import PAYMENT_JOB, OutcomeService
from bot.overdue import SupervisionService
from bot.people import Front
from bot.ports import UpdateKey, WebChatStores
from bot.rates import RatesService, RegistryPlaces
from bot.recovery import RecoveryService
from bot.register import ExportService
from bot.relay import RelayService
from bot.routing import RegistryHolder, load_gazetteer
from bot.routing.service import RoutingService
from bot.sessions import REMINDER_JOB as SESSION_REMINDER_JOB
from bot.sessions import SessionService
from bot.settings import SUPPORTED_LOCALES, Settings
from bot.sms import SMS_UNREAD_JOB, HttpSmsGateway, SmsService
from bot.staff import StaffService
from handlers import (
    cancel,
    desk,
    fallback,
    intake,
    language,
    mycases,
    outcome_forms,
    outcomes,
    rates,
    staff,
    start,
    supervisor,
)
from handlers import counter as counter_handlers
from handlers import employer as employer_handlers
from handlers import evidence as evidence_handlers
from handlers import export as export_handlers
from handlers import overdue as overdue_handlers
from handlers import recovery as recovery_handlers
from handlers import relay as relay_handlers
from handlers import sessions as session_handlers
from handlers.notices import templates
from storage.cases import CaseRepository, SQLiteUnitOfWork
from storage.chat_state import SQLiteStorage
from storage.db import Database
from storage.employer import SQLiteEmployerUnitOfWork
from storage.evidence import EvidenceFileStore, SQLiteEvidenceUnitOfWork
from storage.jobs import JobRepository
from storage.outbox import OutboxRepository
from storage.outcomes import SQLiteOutcomeUnitOfWork
from storage.overdue import SQLiteSupervisionUnitOfWork
from storage.people import PeopleRepository
from storage.rates import SQLiteRateStore
from storage.recovery import SQLiteRecoveryUnitOfWork, WebIdentities
from storage.register import SQLiteRegisterUnitOfWork
from storage.relay import SQLiteRelayUnitOfWork
from storage.sessions import SQLiteSessionUnitOfWork
from storage.sms import SmsRepository
from storage.staff import SQLiteStaffUnitOfWork
from storage.updates import ProcessedUpdates
from storage.webchat_history import WebChatFiles, WebChatHistory

log = logging.getLogger(__name__)

# Telegram's language_code for each catalog, for per-language command lists.
COMMAND_LANGUAGES = {"zh_CN": "zh", "en": "en"}
WEBHOOK_PATH = "/telegram"
SHUTDOWN_GRACE_SECONDS = 30  # for updates in flight when SIGTERM comes
JOB_WATCH_SECONDS = 300


def journey_routers() -> list[Router]:
    """Every journey's router, in the order they are tried; the fallback comes last."""
    # /cancel comes before the intake so it works mid-form; /mycases before the intake's catch-alls.
    # staff before start: its /start join-CODE deep link must reach it before the plain /start.
    # outcomes first: /cancel while writing a rating's comment stops only that step; so for a relayed message.
    # overdue next: /cancel while writing a follow-up's note stops only that step.
    return [outcomes.router(), outcome_forms.router(),
            session_handlers.router(), overdue_handlers.router(), relay_handlers.router(), employer_handlers.router(),
            recovery_handlers.router(), staff.router(), start.router(),  # both: /start deep links
            language.router(), cancel.router(),
            supervisor.router(), rates.router(), export_handlers.router(), desk.router(), evidence_handlers.router(),
            mycases.router(), counter_handlers.router(), intake.router()]


def build_dispatcher(
    settings: Settings, db: Database, *, clock: Clock | None = None, extra_routers: Iterable[Router] = (),
    pace: Sleep = asyncio.sleep,
) -> Dispatcher:
    """`pace`: how the outbox waits for its next slot (tests on a fixed clock pass one that does not wait)."""
    clock = clock or SystemClock()
    people = PeopleRepository(db)
    calendar = WorkingCalendar.from_file(settings.holidays_file)
    acknowledgement = Acknowledgement(calendar, settings.zone, settings.acknowledge_working_days)
    i18n = build_i18n(settings)
    bots: dict[Front, Bot] = {}  # a person is always reached on the front they came from
    callback_answers = CallbackAnswers()
    routing = RoutingService(RegistryHolder.from_file(settings.centres_file), load_gazetteer(settings.gazetteer_file),
                             CaseRepository(db).open_cases_by_centre, clock)
    centres = RegistryCentres(lambda: routing.registry)
    # Relayed files fetched for a person on the other front, which the outbox uploads to them.
    relayed_files = EvidenceFileStore(settings.database_path.parent / "relayed")
    web_identities = WebIdentities(db, clock)
    recovery_on = recovery_service(settings, clock, web_identities)
    dispatcher = Dispatcher(
        storage=SQLiteStorage(db),
        # Updates of one chat run one after another (an album's photos, a double tap), others in parallel.
        events_isolation=SimpleEventIsolation(),
        settings=settings, db=db, clock=clock, people=people, routing=routing, calendar=calendar,
        acknowledgement=acknowledgement,
        fronts={},  # bot id -> Front, filled as fronts are attached
        bots=bots,
        outbox=OutboxSender(OutboxRepository(db), people, bots,
                            {**templates(settings, routing.centre_name, centres.centre), **outcomes.templates(),
                             **overdue_handlers.templates(),
                             **counter_handlers.templates(routing.centre_name),
                             **relay_handlers.templates(), **employer_handlers.templates(),
                             **evidence_handlers.templates(),
                             **session_handlers.templates(settings, centres.centre),
                             **outcome_forms.templates()},
                            i18n, settings.default_locale, clock, sleep=pace, files=relayed_files),
        # Front -> forget(chat_id), for fronts that keep a copy of the conversation (the web chat does;
        # Telegram's copy is the person's own).
        conversations={},
        callback_answers=callback_answers, centres=centres,
        rates=RatesService(SQLiteRateStore(db), RegistryPlaces(lambda: routing.registry, routing.gazetteer), clock),
        # Evidence: fetched from the fronts into the project's own store, shown to the case's holder.
        evidence=EvidenceService(SQLiteEvidenceUnitOfWork(db), clock, centres, evidence_handlers.BotFiles(bots),
                                 EvidenceFileStore(settings.database_path.parent / "evidence")),
        evidence_links={},  # Front -> (viewer, evidence id) -> address, for fronts that serve files themselves
        sms=sms_service(settings, db, clock), web_identities=web_identities,
        # Recovery links opened on the web chat (`?code=`), outside any update.
        web_recovery=recovery_on(SQLiteRecoveryUnitOfWork(db)),
    )

    calendars = CalendarSource(settings.holidays_file)  # the statutory clocks' calendar: the file as it is now

    def services_for(update: UpdateKey) -> dict[str, Any]:
        """One unit of work per update, and the services that use it."""
        uow = SQLiteUnitOfWork(db, update, now=clock.now)
        keeper = DeadlineKeeper(uow, calendars, settings.zone, clock, centres)
        outcome_service = OutcomeService(SQLiteOutcomeUnitOfWork(db, uow), clock, calendars, settings.zone, keeper,
                                         centres)
        rating_if_closed = outcome_service.ask_rating_if_closed  # in the closing change's own transaction
        return {
            "uow": uow,
            "exports": ExportService(SQLiteRegisterUnitOfWork(db, uow), dispatcher["rates"], clock),
            "cases": CaseService(uow, clock, keeper, rating_if_closed, on_evidence=evidence_recorded),
            "intake": (intake_service := IntakeService(uow, clock, acknowledgement, routing.assign_case,
                                                       centres.district_of)),
            "desk": DeskService(uow, clock, centres, acknowledgement, routing.assign_case, keeper, rating_if_closed),
            "staff": StaffService(SQLiteStaffUnitOfWork(db, uow), clock, routing,
                                  on_revoked=web_identities.staff_revoked),
            "accounts": AccountService(uow, clock),
            "outcomes": outcome_service,
            "supervision": SupervisionService(SQLiteSupervisionUnitOfWork(db, uow), clock, calendars, settings.zone,
                                              keeper, acknowledgement, centres),
            "relay": RelayService(SQLiteRelayUnitOfWork(db, uow), clock, evidence_handlers.BotFiles(bots),
                                  relayed_files),
            "employers": EmployerService(SQLiteEmployerUnitOfWork(db, uow), clock, settings.zone),
            "sessions": SessionService(SQLiteSessionUnitOfWork(db, uow), clock, calendars, settings.zone),
            "recovery": (recovery := recovery_on(SQLiteRecoveryUnitOfWork(db, uow))),
            "counter": CounterService(uow, clock, intake_service, routing, recovery),
        }

    dispatcher.update.outer_middleware(UpdateOnceMiddleware(ProcessedUpdates(db), services_for, clock))
    dispatcher.update.outer_middleware(PersonMiddleware(people, clock, frozenset(settings.supervisor_ids)))
    PersonLocaleMiddleware(i18n).setup(dispatcher)
    dispatcher.include_routers(*journey_routers(), *extra_routers, fallback.router())
    dispatcher.errors.register(error_handler(people, i18n, settings.default_locale, callback_answers))
    return dispatcher


def recovery_service(settings: Settings, clock: Clock, web_identities: WebIdentities
                     ) -> Callable[[SQLiteRecoveryUnitOfWork], RecoveryService]:
    """Recovery codes on a unit of work: an update's, or one of its own for links opened on the web chat."""
    def on(uow: SQLiteRecoveryUnitOfWork) -> RecoveryService:
        return RecoveryService(uow, clock, chat_address=settings.chat_address,
                               sms_on=settings.sms_gateway_url is not None, default_locale=settings.default_locale,
                               on_web_revoked=web_identities.notify_revoked)
    return on


def sms_service(settings: Settings, db: Database, clock: Clock) -> SmsService:
    """Text messages through the district's gateway; without SMS_GATEWAY_URL, none."""
    gateway = HttpSmsGateway(settings.sms_gateway_url, settings.sms_gateway_token) if settings.sms_gateway_url else None
    return SmsService(SQLiteRecoveryUnitOfWork(db), SmsRepository(db), gateway, clock,
                      after=timedelta(minutes=settings.sms_after_minutes), chat_address=settings.chat_address,
                      default_locale=settings.default_locale)


def webchat_stores(db: Database) -> WebChatStores:
    return WebChatStores(people=PeopleRepository(db), history=WebChatHistory(db), files=WebChatFiles(db))


async def register_commands(bot: Bot, settings: Settings) -> None:
    i18n = build_i18n(settings)
    await bot.set_my_commands(bot_commands(i18n, settings.default_locale))
    for locale in SUPPORTED_LOCALES:
        await bot.set_my_commands(bot_commands(i18n, locale), language_code=COMMAND_LANGUAGES[locale])


def telegram_bot(settings: Settings) -> Bot:
    api = TelegramAPIServer.from_base(settings.telegram_api_url) if settings.telegram_api_url else None
    session = AiohttpSession(api=api) if api else AiohttpSession()
    session.middleware(RetryAfterMiddleware())
    return Bot(settings.bot_token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


async def serve(settings: Settings, clock: Clock | None = None) -> None:
    """Run every configured front, the outbox sender and the job runner until SIGTERM or SIGINT; then stop
    taking updates, let those in flight finish, and flush the outbox before closing the store."""
    db = await Database.open(settings.database_path, durability=settings.durability)
    dispatcher = build_dispatcher(settings, db, clock=clock)
    fronts = []
    if settings.webchat_on:
        from webchat.server import run_webchat  # the web chat pulls in its page and socket only when on

        fronts.append(run_webchat(dispatcher, settings, webchat_stores(db)))
    if settings.bot_token:
        bot = telegram_bot(settings)
        attach_front(dispatcher, bot, Front.TELEGRAM)  # before the sender starts, so it can reach Telegram
        fronts.append(run_telegram(dispatcher, bot, settings))
    if not fronts:
        await db.close()
        raise SystemExit("Nothing to serve: set BOT_TOKEN, or WEBCHAT_ENABLED=true for the web chat.")
    stopping, background_done = asyncio.Event(), asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stopping.set)
    runner = job_runner(dispatcher, db)
    background = [asyncio.create_task(dispatcher["outbox"].run(background_done)),
                  asyncio.create_task(runner.run(background_done)),
                  asyncio.create_task(watch_job_runner(dispatcher, runner, background_done)),
                  asyncio.create_task(dispatcher["sms"].run(background_done))]
    await dispatcher["sms"].start_watching()
    front_tasks = [asyncio.create_task(front) for front in fronts]
    try:
        stop_wait = asyncio.create_task(stopping.wait())
        done, _ = await asyncio.wait([*front_tasks, stop_wait], return_when=asyncio.FIRST_COMPLETED)
        stop_wait.cancel()
        for task in done - {stop_wait}:
            task.result()  # a front that ended on its own failed: say why, after the shutdown below
    finally:
        log.info("stopping: no new updates; finishing those in flight, then the outbox")
        with contextlib.suppress(RuntimeError):  # not polling
            await dispatcher.stop_polling()
        for task in front_tasks:
            task.cancel()
        await asyncio.gather(*front_tasks, return_exceptions=True)
        await asyncio.wait_for(finish_updates_in_flight(dispatcher), timeout=SHUTDOWN_GRACE_SECONDS)
        background_done.set()
        await asyncio.gather(*background, return_exceptions=True)
        with contextlib.suppress(TimeoutError):  # a download cut short is fetched by its job after the restart
            await asyncio.wait_for(dispatcher["evidence"].settle(), timeout=SHUTDOWN_GRACE_SECONDS)
        # Paced, a long queue takes long: what is left is sent after the restart, once its lease runs out.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(dispatcher["outbox"].flush(), timeout=SHUTDOWN_GRACE_SECONDS)
        await db.close()
        log.info("stopped")


async def finish_updates_in_flight(dispatcher: Dispatcher) -> None:
    # aiogram keeps the tasks of updates it is handling (polling) in this set.
    while pending := set(getattr(dispatcher, "_handle_update_tasks", ())):
        await asyncio.wait(pending)


def job_runner(dispatcher: Dispatcher, db: Database) -> JobRunner:
    """Each job runs in one unit of work with its completion, so a crash repeats it whole or not at all."""
    uow = SQLiteUnitOfWork(db)
    settings = dispatcher["settings"]
    keeper = DeadlineKeeper(uow, CalendarSource(settings.holidays_file), settings.zone, dispatcher["clock"],
                            dispatcher["centres"])
    desk = DeskService(uow, dispatcher["clock"], dispatcher["centres"], dispatcher["acknowledgement"],
                       dispatcher["routing"].assign_case, keeper)
    outcome_service = OutcomeService(SQLiteOutcomeUnitOfWork(db, uow), dispatcher["clock"],
                                     CalendarSource(settings.holidays_file), settings.zone, keeper)
    session_service = SessionService(SQLiteSessionUnitOfWork(db, uow), dispatcher["clock"],
                                     CalendarSource(settings.holidays_file), settings.zone)
    handlers = {ACKNOWLEDGE_JOB: desk.check_acknowledged, ESCALATE_JOB: desk.escalate_unacknowledged,
                REMIND_JOB: keeper.remind, WATCH_JOB: keeper.watch_calendar, PAYMENT_JOB: outcome_service.ask_payment,
                SESSION_REMINDER_JOB: session_service.remind,
                FETCH_JOB: dispatcher["evidence"].retry,  # its download runs outside the job's transaction
                SMS_UNREAD_JOB: dispatcher["sms"].check_unread}
    return JobRunner(JobRepository(db), handlers=handlers, clock=dispatcher["clock"], unit_of_work=uow)


async def watch_job_runner(dispatcher: Dispatcher, runner: JobRunner, stop: asyncio.Event) -> None:
    """Every few minutes: has the job runner (of any process) run within the hour? If not, a log line
    and, once per silence, an alert to every supervisor."""
    alerted = False
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), JOB_WATCH_SECONDS)
        health = await check_health(JobRepository(dispatcher["db"]), runner.name, dispatcher["clock"].now())
        if not health.stale:
            alerted = False
            continue
        log.warning("%s", health.describe())
        if not alerted:
            await job_runner_silent(SQLiteUnitOfWork(dispatcher["db"]), dispatcher["clock"], health)
            alerted = True


def webhook_app(dispatcher: Dispatcher, bot: Bot, settings: Settings) -> web.Application:
    """The webhook endpoint: updates whose secret-token header does not match are refused."""
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=settings.webhook_secret).register(app, path=WEBHOOK_PATH)
    setup_application(app, dispatcher, bot=bot)
    return app


async def run_telegram(dispatcher: Dispatcher, bot: Bot, settings: Settings) -> None:
    await register_commands(bot, settings)
    if not settings.webhook_url:
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, handle_signals=False)
        return
    runner = web.AppRunner(webhook_app(dispatcher, bot, settings))
    await runner.setup()
    await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
    await bot.set_webhook(f"{settings.webhook_url}{WEBHOOK_PATH}", secret_token=settings.webhook_secret)
    log.info("webhook listening on %s:%s", settings.webhook_host, settings.webhook_port)
    await asyncio.Event().wait()
