"""Settings from environment variables and an optional `.env` file.

A bad value stops start-up with one line naming the variable and what is expected
(see `describe_settings_error`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, IPvAnyNetwork, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CENTRES_FILE = PROJECT_ROOT / "data" / "centres" / "wuhan_sample.yaml"
GAZETTEER_FILE = PROJECT_ROOT / "data" / "gazetteer" / "wuhan.yaml"
SUPPORTED_LOCALES = ("zh_CN", "en")


class Durability(StrEnum):
    # NORMAL in WAL mode survives a crash of the process; FULL also survives power loss.
    NORMAL = "normal"
    FULL = "full"


class Settings(BaseSettings):
    # Empty values (as in .env.example) mean "use the default".
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    bot_token: str | None = Field(default=None, description="Telegram bot token from @BotFather")
    telegram_api_url: str | None = Field(default=None, description="base URL of a self-hosted Bot API server")
    webhook_url: str | None = Field(default=None, description="public HTTPS URL for webhook mode")
    webhook_secret: str | None = Field(default=None, description="secret token Telegram sends with webhooks")
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=1, le=65535)
    database_path: Path = Field(default=PROJECT_ROOT / "var" / "mediation.sqlite3")
    durability: Durability = Durability.NORMAL
    centres_file: Path = Field(default=SAMPLE_CENTRES_FILE, description="centres registry, YAML or JSON")
    gazetteer_file: Path = Field(default=GAZETTEER_FILE, description="street and community names")
    webchat_enabled: bool | None = Field(default=None, description="default: on when there is no BOT_TOKEN")
    webchat_host: str = "127.0.0.1"
    webchat_port: int = Field(default=8080, ge=1, le=65535)
    webchat_secret: str | None = Field(default=None, description="key that signs web chat cookies")
    demo: bool | None = Field(default=None, description="default: on when there is no BOT_TOKEN")
    supervisor_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_locale: str = "zh_CN"
    timezone: str = "Asia/Shanghai"
    holidays_file: Path | None = Field(
        default=None, description="operator overrides of holidays and swapped working days, YAML or JSON")
    acknowledge_working_days: int = Field(
        default=1, ge=1, le=10, description="working days a centre has to accept a new case before reminders")

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        bot_id, _, secret = value.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("expected a token like 123456:ABC-DEF from @BotFather")
        return value

    @field_validator("telegram_api_url", "webhook_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("supervisor_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if not all(part.lstrip("-").isdigit() for part in parts):
                raise ValueError("expected comma-separated numeric Telegram user ids, e.g. 12345,67890")
            return [int(part) for part in parts]
        return value

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"expected one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("expected an IANA time zone such as Asia/Shanghai") from error
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and not self.webhook_secret:
            raise ValueError("WEBHOOK_SECRET: expected a secret token when WEBHOOK_URL is set")
        if self.webhook_url and not self.bot_token:
            raise ValueError("BOT_TOKEN: expected a token when WEBHOOK_URL is set")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def webchat_on(self) -> bool:
        return self.webchat_enabled if self.webchat_enabled is not None else self.bot_token is None

    @property
    def demo_on(self) -> bool:
        return self.demo if self.demo is not None else self.bot_token is None

    # The web chat on the open internet: who may reach it and how much one client may take (docs/webchat.md).
    webchat_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="public origins of the web chat page, e.g. https://chat.example.gov.cn")
    webchat_trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode] = Field(
        default_factory=list, description="reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed")
    webchat_max_connections: int = Field(default=1000, ge=1, description="open connections in all")
    webchat_connections_per_address: int = Field(default=200, ge=1, description="open connections per client address")
    webchat_request_timeout: float = Field(
        default=15.0, gt=0, le=3600, description="seconds to send a whole request; idle connections close after it")
    webchat_new_visitors_per_address: int = Field(
        default=200, ge=1, description="new visitor identities per client address per hour")
    webchat_uploads_at_once: int = Field(default=16, ge=1, description="uploads in progress in all")
    webchat_upload_store_mb: int = Field(default=2048, ge=1, description="uploads no case holds, in MB")
    webchat_cookie_days: int = Field(default=365, ge=1, le=400, description="a visitor cookie's life, renewed on use")

    # Reaching people who are away, and who they are (bot/sms.py, bot/recovery.py; README "Text messages").
    sms_gateway_url: str | None = Field(
        default=None, description="the district's SMS gateway (JSON over HTTP POST); unset: no text messages")
    sms_gateway_token: str | None = Field(default=None, description="sent as `Authorization: Bearer ...`")
    sms_after_minutes: int = Field(
        default=60, ge=1, le=7 * 24 * 60, description="minutes a web chat notice stays unread before an SMS")
    webchat_public_url: str | None = Field(
        default=None, description="the chat's address in text messages and links; default: the first origin")
    staff_session_hours: float = Field(
        default=12, gt=0, le=24 * 7, description="hours without use after which a web staff session ends")

    @property
    def chat_address(self) -> str:
        """The web chat's public address, as a text message or a recovery link names it."""
        if self.webchat_public_url:
            return self.webchat_public_url
        if self.webchat_origins:
            return self.webchat_origins[0]
        return f"http://{self.webchat_host}:{self.webchat_port}"

    @field_validator("sms_gateway_url", "webchat_public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @staticmethod
    def web_origin(text: str) -> str | None:
        """`scheme://host[:port]` as a browser sends it in `Origin` (lower case, no default port); None for
        anything else."""
        try:
            origin = urlsplit(text.strip().lower())
            port = origin.port
        except ValueError:
            return None
        if origin.scheme not in ("http", "https") or not origin.hostname or origin.path not in ("", "/") \
                or origin.query or origin.fragment or origin.username is not None:
            return None
        shown_port = f":{port}" if port not in (None, 80 if origin.scheme == "http" else 443) else ""
        host = f"[{origin.hostname}]" if ":" in origin.hostname else origin.hostname
        return f"{origin.scheme}://{host}{shown_port}"

    @field_validator("webchat_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if not isinstance(value, str | list):
            return value
        parts = [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value
        origins = [cls.web_origin(str(part)) for part in parts]
        if None in origins:
            raise ValueError("expected comma-separated origins such as https://chat.example.gov.cn "
                             "(scheme and host, optionally a port; no path)")
        return origins

    @field_validator("webchat_trusted_proxies", mode="before")
    @classmethod
    def _comma_separated_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


def describe_settings_error(error: ValidationError) -> str:
    """One line per bad variable: its name and what is expected."""
    lines = []
    for issue in error.errors():
        field = ".".join(str(part) for part in issue["loc"]) if issue["loc"] else ""
        message = issue["msg"].removeprefix("Value error, ")
        if field:
            lines.append(f"{field.upper()}: {message} (got {issue.get('input')!r})")
        else:
            lines.append(message)
    return "Configuration error: " + "; ".join(lines)
