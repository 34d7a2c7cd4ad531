"""Worker intake: the draft complaint, the questions per dispute kind, checking answers, the
limitation estimate, collective-dispute detection and submission. No chat, no SQL."""
