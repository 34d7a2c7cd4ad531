"""aiogram plumbing shared by every front: middlewares, filters, text helpers, the faithful session."""
