"""A case's evidence files on the web chat, served only to the person who may see them.

`GET /evidence/{id}`: the visitor is known by their signed cookie (in demo mode by `?as=`), and the file is
served only if the evidence service lets that person open it (the mediator holding the case); the service
writes the view in the access log. Anyone else gets 403 and nothing is logged, whether or not the file
exists. Responses are never cached, so every view reaches the log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlencode

from aiogram import Dispatcher
from aiohttp import hdrs, web

from bot.chat.faithful_session import IMAGE_HEAD_BYTES
from bot.chat.images import image_shape
from bot.evidence import EvidenceService
from bot.people import Front, Person
from bot.ports import PersonFinder
from bot.settings import Settings
from webchat.uploads import PHOTO_TYPES, fits_a_photo
from webchat.visitors import DEMO_BY_KEY

UserId = Callable[[web.Request], Awaitable[int | None]]  # None: unknown, or may not act now
EVIDENCE_PATH = "/evidence/{evidence_id}"


def serve_evidence(app: web.Application, dispatcher: Dispatcher, settings: Settings, user_id: UserId,
                   people: PersonFinder) -> None:
    """Add the route, and tell the chat how to link a web person to a file."""
    service: EvidenceService = dispatcher["evidence"]
    base = (settings.webchat_origins[0] if settings.webchat_origins
            else f"http://{settings.webchat_host}:{settings.webchat_port}").rstrip("/")

    def link(viewer: Person, evidence_id: int) -> str:
        path = base + EVIDENCE_PATH.format(evidence_id=evidence_id)
        if settings.demo_on:  # the demo's people are named in the address, as on the page
            demo = next((key for key, person in DEMO_BY_KEY.items() if person.user_id == viewer.user_id), None)
            if demo is not None:
                path += "?" + urlencode({"as": demo})
        return path

    async def evidence_file(request: web.Request) -> web.Response:
        visitor = await user_id(request)
        person = await people.find(Front.WEB, visitor) if visitor is not None else None
        number = request.match_info["evidence_id"]
        opened = await service.open(person, int(number)) if person is not None and number.isdigit() else None
        if opened is None:
            raise web.HTTPForbidden(text="not yours to see", headers={"Cache-Control": "no-store"})
        headers = {"Cache-Control": "no-store"}
        shape = image_shape(opened.data[:IMAGE_HEAD_BYTES])
        if shape is not None and fits_a_photo(shape):
            headers[hdrs.CONTENT_TYPE] = PHOTO_TYPES[shape.kind]
        else:
            headers[hdrs.CONTENT_TYPE] = "application/octet-stream"
            headers[hdrs.CONTENT_DISPOSITION] = f"attachment; filename*=UTF-8''{quote(opened.item.name)}"
        return web.Response(body=opened.data, headers=headers)

    app.router.add_get(EVIDENCE_PATH, evidence_file)
    dispatcher["evidence_links"][Front.WEB] = link
