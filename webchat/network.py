"""Where a request comes from: the client behind a trusted reverse proxy, and whether its page is ours.

Behind the district's reverse proxy every connection comes from the proxy; the client's address and
scheme are what the proxy forwards (`X-Forwarded-For`, `X-Forwarded-Proto`), believed only from the
configured proxies (`WEBCHAT_TRUSTED_PROXIES`), since anyone else can send those headers too.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Forwarded:
    """What a trusted proxy says about its client."""

    address: str | None
    scheme: str | None


class ClientNetwork:
    def __init__(self, trusted_proxies: Sequence[Network]) -> None:
        self._trusted = tuple(trusted_proxies)

    def is_trusted(self, peer: str) -> bool:
        address = _address(peer)
        return address is not None and any(address in network for network in self._trusted)

    def forwarded(self, peer: str | None, forwarded_for: str | None, forwarded_proto: str | None) -> Forwarded | None:
        """The client a trusted proxy forwards; None when the peer is not a trusted proxy.

        X-Forwarded-For is read from the right: each proxy appends the address it saw, so the first
        address (from the right) that is not a trusted proxy is the client; what lies beyond it was
        written by the client and may be forged.
        """
        if peer is None or not self.is_trusted(peer):
            return None
        client = None
        for hop in reversed((forwarded_for or "").split(",")):
            address = _address(hop)
            if address is None:
                break
            client = str(address)
            if not self.is_trusted(client):
                break
        # The proxy sets the scheme it was reached by; only its own (the last) value counts.
        scheme = (forwarded_proto or "").rsplit(",", 1)[-1].strip().lower()
        return Forwarded(client, scheme if scheme in ("http", "https") else None)


def _is_loopback(hostname: str) -> bool:
    if hostname == "localhost":
        return True
    address = _address(hostname)
    return address is not None and address.is_loopback


def _host_and_port(host: str) -> tuple[str, int | None] | None:
    """The name and the port (None when not given) of a Host header or an origin's netloc."""
    try:
        parts = urlsplit(f"//{host.strip().lower()}")
        port = parts.port
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname else None


class OriginPolicy:
    """The page's public origins (`WEBCHAT_ORIGINS`): every request must name one of their hosts, and a
    socket or an upload must come from a page of one of them, scheme included. Loopback addresses are
    allowed only in demo mode (a developer's own machine), and then only as the page's own origin."""

    def __init__(self, origins: Sequence[str], *, allow_loopback: bool) -> None:
        self.origins = frozenset(origins)
        self._hosts = {named for origin in origins if (named := _host_and_port(urlsplit(origin).netloc))}
        self._allow_loopback = allow_loopback

    def host_allowed(self, host: str) -> bool:
        """The Host header names our site: a page under another name (DNS rebinding) is refused. A Host
        without a port (a proxy's, or a default port) is compared by name."""
        named = _host_and_port(host)
        if named is None:
            return False
        hostname, port = named
        if self._allow_loopback and _is_loopback(hostname):
            return True
        return any(hostname == allowed and port in (None, allowed_port) for allowed, allowed_port in self._hosts)

    def origin_allowed(self, origin: str | None, host: str, scheme: str) -> bool:
        """The Origin header is one of ours, scheme included (or, in demo mode, the loopback page's own)."""
        normal = Settings.web_origin(origin) if origin else None
        if normal is None:
            return False
        if normal in self.origins:
            return True
        parts = urlsplit(normal)
        return (self._allow_loopback and _is_loopback(parts.hostname or "") and parts.scheme == scheme
                and _host_and_port(parts.netloc) == _host_and_port(host))
