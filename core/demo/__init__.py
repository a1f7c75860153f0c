"""The deterministic demo school: `seed_demo` fills a database with a realistic Russian school."""

from core.demo.build import DemoSummary, seed_demo
from core.demo.seeding import DemoLogin

__all__ = ["DemoLogin", "DemoSummary", "seed_demo"]
