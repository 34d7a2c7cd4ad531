"""aiogram routers, one module per user journey; each builds its router in `router()`."""
