"""Keys shared by the HTTP layer (bot/) and the platform endpoints."""

from aiohttp import web

REQUEST_ID = web.RequestKey("request_id", str)
