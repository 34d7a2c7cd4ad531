-- The web chat front: each person's chat as they see it (so a page that reconnects, or a restarted
-- server, shows the same conversation), and the files people and the bot sent there.
CREATE TABLE webchat_chats (
    chat_id INTEGER PRIMARY KEY,         -- = the web person's user id (private chats)
    chat TEXT NOT NULL,                  -- JSON: the chat as the bot sees it
    last_message_id INTEGER NOT NULL     -- message ids are never reused, even after deletions
);

CREATE TABLE webchat_messages (
    chat_id INTEGER NOT NULL REFERENCES webchat_chats (chat_id),
    message_id INTEGER NOT NULL,
    body TEXT NOT NULL,                  -- JSON: the message as delivered (with its Telegram-HTML source)
    PRIMARY KEY (chat_id, message_id)
);

CREATE TABLE webchat_files (
    file_id TEXT PRIMARY KEY,
    chat_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX webchat_files_by_age ON webchat_files (created_at);
