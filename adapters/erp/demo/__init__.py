"""The embedded demo ERP (한빛테크): an aiohttp service implementing adapters/erp/openapi.yaml over
its own SQLite file. Seed it with `seed(path, today=...)`; `reseed(path)` backs `chatops demo reseed`."""

from adapters.erp.demo.seed import reseed, seed
from adapters.erp.demo.server import create_demo_erp_app

__all__ = ["create_demo_erp_app", "reseed", "seed"]
