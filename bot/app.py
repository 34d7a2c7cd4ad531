"""Start-up: the dispatcher every front shares, the fronts (Telegram, web chat), and running them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterable
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
from bot.deadline_keeper import REMIND_JOB, WATCH_JOB, DeadlineKeeper
from bot.deadlines import CalendarSource
from bot.desk import ACKNOWLEDGE_JOB, ESCALATE_JOB, Acknowledgement, DeskService, RegistryCentres
from bot.intake_service import IntakeService
from bot.jobs.health import check_health
from bot.jobs.runner import JobRunner
from bot.notify import job_runner_silent
from bot.outcomes import PAYMENT_JOB, OutcomeService
from bot.people import Front
from bot.ports import UpdateKey, WebChatStores
from bot.rates import RatesService, RegistryPlaces
from bot.routing import RegistryHolder, load_gazetteer
from bot.routing.service import RoutingService
from bot.settings import SUPPORTED_LOCALES, Settings
from bot.staff import StaffService
from handlers import cancel, desk, fallback, intake, language, mycases, outcomes, rates, staff, start, supervisor
from handlers.notices import templates
from storage.cases import CaseRepository, SQLiteUnitOfWork
from storage.chat_state import SQLiteStorage
from storage.db import Database
from storage.jobs import JobRepository
from storage.outbox import OutboxRepository
from storage.outcomes import SQLiteOutcomeUnitOfWork
from storage.people import PeopleRepository
from storage.rates import SQLiteRateStore
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
    # outcomes first: /cancel while writing a rating's comment stops only that step.
    return [outcomes.router(), staff.router(), start.router(), language.router(), cancel.router(),
            supervisor.router(), rates.router(), desk.router(), mycases.router(), intake.router()]


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
    dispatcher = Dispatcher(
        storage=SQLiteStorage(db),
        # Updates of one chat run one after another (an album's photos, a double tap), others in parallel.
        events_isolation=SimpleEventIsolation(),
        settings=settings, db=db, clock=clock, people=people, routing=routing, calendar=calendar,
        acknowledgement=acknowledgement,
        fronts={},  # bot id -> Front, filled as fronts are attached
        bots=bots,
        outbox=OutboxSender(OutboxRepository(db), people, bots,
                            {**templates(settings, routing.centre_name, centres.centre), **outcomes.templates()},
                            i18n, settings.default_locale, clock, sleep=pace),
        # Front -> forget(chat_id), for fronts that keep a copy of the conversation (the web chat does;
        # Telegram's copy is the person's own).
        conversations={},
        callback_answers=callback_answers, centres=centres,
        rates=RatesService(SQLiteRateStore(db), RegistryPlaces(lambda: routing.registry, routing.gazetteer), clock),
    )

    calendars = CalendarSource(settings.holidays_file)  # the statutory clocks' calendar: the file as it is now

    def services_for(update: UpdateKey) -> dict[str, Any]:
        """One unit of work per update, and the services that use it."""
        uow = SQLiteUnitOfWork(db, update, now=clock.now)
        keeper = DeadlineKeeper(uow, calendars, settings.zone, clock, centres)
        return {
            "uow": uow,
            "cases": CaseService(uow, clock, keeper),
            "intake": IntakeService(uow, clock, acknowledgement, routing.assign_case, centres.district_of),
            "desk": DeskService(uow, clock, centres, acknowledgement, routing.assign_case, keeper),
            "staff": StaffService(SQLiteStaffUnitOfWork(db, uow), clock, routing),
            "accounts": AccountService(uow, clock),
            "outcomes": OutcomeService(SQLiteOutcomeUnitOfWork(db, uow), clock, calendars, settings.zone, keeper),
        }

    dispatcher.update.outer_middleware(UpdateOnceMiddleware(ProcessedUpdates(db), services_for, clock))
    dispatcher.update.outer_middleware(PersonMiddleware(people, clock, frozenset(settings.supervisor_ids)))
    PersonLocaleMiddleware(i18n).setup(dispatcher)
    dispatcher.include_routers(*journey_routers(), *extra_routers, fallback.router())
    dispatcher.errors.register(error_handler(people, i18n, settings.default_locale, callback_answers))
    return dispatcher


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
                  asyncio.create_task(watch_job_runner(dispatcher, runner, background_done))]
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
    handlers = {ACKNOWLEDGE_JOB: desk.check_acknowledged, ESCALATE_JOB: desk.escalate_unacknowledged,
                REMIND_JOB: keeper.remind, WATCH_JOB: keeper.watch_calendar, PAYMENT_JOB: outcome_service.ask_payment}
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
