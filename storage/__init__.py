"""SQLite storage: migrations, repositories and the persistent chat-state storage."""
