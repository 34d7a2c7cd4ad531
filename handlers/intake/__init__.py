"""Worker intake by chat: the privacy notice and consent, the worker's own words first, then only the
missing questions, one at a time, a summary with an edit button per answer, and submission.

`texts` holds the words, `keyboards` the buttons, `answers` reads what the worker typed or pressed,
`flow` moves through the screens, and `routes` holds the (thin) handlers.
"""

from handlers.intake.routes import router

__all__ = ["router"]
