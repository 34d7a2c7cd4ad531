"""Who the web chat believes a visitor is, and which pages may talk to it (issue 18, Identity and origin)."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import ip_network

import aiohttp
import pytest

from tests.webchat.conftest import WebChat, origin_of, serve_public
from webchat.network import ClientNetwork, Forwarded, OriginPolicy
from webchat.visitors import COOKIE_NAME

PUBLIC = "https://chat.example.gov.cn"
PROXY = {"Host": "chat.example.gov.cn", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}


def test_only_a_trusted_proxy_says_who_the_client_is() -> None:
    network = ClientNetwork([ip_network("10.0.0.0/8")])
    assert network.forwarded("10.1.2.3", "198.51.100.1, 203.0.113.7", "https") == Forwarded("203.0.113.7", "https")
    assert network.forwarded("10.1.2.3", "203.0.113.7, 10.9.9.9", "http") == Forwarded("203.0.113.7", "http"), \
        "proxies in a chain are skipped"
    assert network.forwarded("10.1.2.3", "forged, 203.0.113.7", None) == Forwarded("203.0.113.7", None)
    assert network.forwarded("10.1.2.3", None, "gopher") == Forwarded(None, None)
    assert network.forwarded("192.0.2.1", "203.0.113.7", "https") is None, "anyone else's headers mean nothing"


def test_origins_are_compared_with_their_scheme_and_hosts_are_allow_listed() -> None:
    public = OriginPolicy([PUBLIC, "http://10.0.0.5:8080"], allow_loopback=False)
    assert public.origin_allowed(PUBLIC, "chat.example.gov.cn", "http")
    assert public.origin_allowed("https://CHAT.example.gov.cn:443", "chat.example.gov.cn", "https")
    assert not public.origin_allowed("http://chat.example.gov.cn", "chat.example.gov.cn", "http"), "scheme counts"
    assert not public.origin_allowed("null", "chat.example.gov.cn", "https")
    assert public.host_allowed("chat.example.gov.cn") and public.host_allowed("10.0.0.5:8080")
    assert not public.host_allowed("chat.example.gov.cn:8443") and not public.host_allowed("evil.example")
    assert not public.host_allowed("127.0.0.1:8080"), "loopback only in demo mode"
    demo = OriginPolicy([], allow_loopback=True)
    assert demo.host_allowed("127.0.0.1:8080") and demo.host_allowed("localhost:8080")
    assert demo.origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", "http")
    assert not demo.origin_allowed("https://127.0.0.1:8080", "127.0.0.1:8080", "http")
    assert not demo.origin_allowed("http://127.0.0.1:9999", "127.0.0.1:8080", "http")


async def test_another_host_name_or_scheme_is_refused_even_in_demo_mode(webchat: WebChat) -> None:
    rebound = {"Host": "evil.example", "Origin": "http://evil.example"}
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await webchat.client.ws_connect("/socket?as=mediator", headers=rebound)
    assert refused.value.status == 421, "a DNS-rebinding page gets no staff socket"
    assert (await webchat.client.get("/?as=mediator", headers={"Host": "evil.example"})).status == 421
    with pytest.raises(aiohttp.WSServerHandshakeError) as other_scheme:
        await webchat.client.ws_connect("/socket?as=zhang", headers={
            "Origin": origin_of(webchat.client).replace("http:", "https:")})
    assert other_scheme.value.status == 403


async def test_behind_a_trusted_tls_proxy_the_cookie_is_secure(app_settings, db, clock) -> None:
    client = await serve_public(app_settings, db, clock, webchat_origins=[PUBLIC],
                                webchat_trusted_proxies=[ip_network("127.0.0.1/32")])
    try:
        page = await client.get("/", headers=PROXY)
        cookie = page.cookies[COOKIE_NAME]
        assert page.status == 200 and cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Strict"
        socket = await client.ws_connect("/socket", headers={**PROXY, "Origin": PUBLIC,
                                                             "Cookie": f"{COOKIE_NAME}={cookie.value}"})
        assert (await socket.receive_json())["type"] == "history"
        await socket.close()
        with pytest.raises(aiohttp.WSServerHandshakeError) as plain:
            await client.ws_connect("/socket", headers={**PROXY, "Origin": "http://chat.example.gov.cn",
                                                        "Cookie": f"{COOKIE_NAME}={cookie.value}"})
        assert plain.value.status == 403
        assert (await client.get("/", headers={"X-Forwarded-Proto": "https"})).status == 421, \
            "outside demo mode the loopback address is not ours"

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=("127.0.0.2", 0)),
                                         cookie_jar=aiohttp.DummyCookieJar()) as untrusted:
            direct = await untrusted.get(f"{origin_of(client)}/", headers=PROXY)
            assert direct.status == 200 and not direct.cookies[COOKIE_NAME]["secure"], \
                "X-Forwarded-Proto from anyone but the proxy is not believed"
    finally:
        await client.close()


async def test_a_visitor_cookie_expires_on_the_server_and_is_renewed_on_use(app_settings, db, clock) -> None:
    client = await serve_public(app_settings, db, clock, webchat_cookie_days=30)
    start = clock.now()
    try:
        def headers(value: str) -> dict[str, str]:
            client.session.cookie_jar.clear()  # only the cookie the test names
            return {"Origin": origin_of(client), "Cookie": f"{COOKIE_NAME}={value}"}

        first = (await client.get("/")).cookies[COOKIE_NAME]
        assert int(first["max-age"]) == 30 * 24 * 3600
        clock.set(start + timedelta(days=2))
        renewed = (await client.get("/", headers=headers(first.value))).cookies[COOKIE_NAME].value
        assert renewed != first.value and renewed.split(".")[0] == first.value.split(".")[0], "same visitor, renewed"
        socket = await client.ws_connect("/socket", headers=headers(first.value))
        await socket.close()

        clock.set(start + timedelta(days=31))
        with pytest.raises(aiohttp.WSServerHandshakeError) as expired:
            await client.ws_connect("/socket", headers=headers(first.value))
        assert expired.value.status == 403, "a copy of the old cookie no longer works"
        socket = await client.ws_connect("/socket", headers=headers(renewed))
        assert (await socket.receive_json())["type"] == "history", "the renewed one does"
        await socket.close()
    finally:
        await client.close()


def test_public_origins_and_trusted_proxies_are_read_from_the_environment() -> None:
    from pydantic import ValidationError

    from bot.settings import Settings, describe_settings_error

    settings = Settings(_env_file=None, webchat_origins="https://Chat.Example.gov.cn:443, http://10.0.0.5:8080",
                        webchat_trusted_proxies="10.0.0.1, 192.168.0.0/16")
    assert settings.webchat_origins == [PUBLIC, "http://10.0.0.5:8080"], "as browsers send them"
    assert settings.webchat_trusted_proxies == [ip_network("10.0.0.1/32"), ip_network("192.168.0.0/16")]
    with pytest.raises(ValidationError) as bad:
        Settings(_env_file=None, webchat_origins="chat.example.gov.cn/chat")
    assert describe_settings_error(bad.value).startswith("Configuration error: WEBCHAT_ORIGINS: expected")
