"""South Korea's public holidays of a year, from the `holidays` package, loaded on first use.

`holidays.country_holidays("KR")` imports the package's `countries` module, which imports the modules
of every country it knows (~300 modules, ~8 MB, a second or more to load on a cold start). The South
Korea module needs none of them, so it is loaded from its own file instead. Should the package ever
keep it elsewhere, or the file fail to load, `country_holidays("KR")` is used: same answers, slower.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache
from pathlib import Path

from loguru import logger

HolidayTable = Callable[[int], Mapping[date, str]]


def korean_public_holidays(year: int) -> frozenset[date]:
    """The public holidays of `year` in South Korea: lunar, substitute and election days included."""
    return frozenset(_table()(year).keys())


@cache
def _table() -> HolidayTable:
    import holidays

    try:
        south_korea = _south_korea_class(Path(holidays.__file__).parent / "countries" / "south_korea.py")
        if not issubclass(south_korea, holidays.HolidayBase) or south_korea.country != "KR":
            raise TypeError(f"unexpected {south_korea!r}")
    except Exception as exc:  # any surprise in the package's layout: take its public way
        logger.debug("holidays: South Korea module not loadable on its own ({}); using the registry", exc)
        return lambda year: holidays.country_holidays("KR", years=year)
    return lambda year: south_korea(years=year)


def _south_korea_class(path: Path) -> type:
    """The SouthKorea class from the module file at `path`, under a private module name (not put in
    sys.modules, so `holidays.countries.south_korea` stays the package's own when it is imported)."""
    spec = importlib.util.spec_from_file_location("_chatops_holidays_south_korea", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found = module.SouthKorea
    if not isinstance(found, type):
        raise TypeError("SouthKorea is not a class")
    return found
