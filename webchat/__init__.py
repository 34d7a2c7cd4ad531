"""The web chat front: a Telegram-like page and WebSocket served on the district's own server."""
