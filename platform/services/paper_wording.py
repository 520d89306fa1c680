"""How the papers word things: the issuing unit and its heading, the place before the date,
dates and times as the forms write them, numbers of days, a dossier's status, working time.
Vietnamese, as legal papers are (Decree 30/2020/NĐ-CP's layout of administrative papers)."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import current_app

from motcua.models import Unit, UnitLevel
from motcua.vocabulary import DossierStatus, in_vietnamese

# Units that are administrations of a place (Ủy ban nhân dân …) rather than an office of one.
_PLACES = (UnitLevel.PROVINCE, UnitLevel.DISTRICT, UnitLevel.COMMUNE)
_PLACE_WORDS = (
    "Thành phố ",
    "Thị xã ",
    "Thị trấn ",
    "Tỉnh ",
    "Huyện ",
    "Quận ",
    "Xã ",
    "Phường ",
    "Đặc khu ",
)


def agency(unit: Unit) -> str:
    """The unit as an issuing authority: "Ủy ban nhân dân huyện Can Lộc" for a place, its own
    name for an office or a department."""
    if unit.level in _PLACES:
        return "Ủy ban nhân dân " + _in_sentence(unit.name)
    return unit.name


def _in_sentence(name: str) -> str:
    """A place's name inside a sentence: "xã Can Lộc"."""
    return name[:1].lower() + name[1:]


def heading_name(unit: Unit) -> str:
    """The unit as the top left of a paper names it: "UBND XÃ CAN LỘC", "SỞ XÂY DỰNG …"."""
    return ("UBND " + unit.name if unit.level in _PLACES else unit.name).upper()


def desk_header(unit: Unit) -> tuple[str, str]:
    """The two lines at the top left of a paper of the desk that received a dossier: the
    authority, then the receiving body. Decree 118/2025/NĐ-CP art. 1.1: the province receives at
    its centre (with branches and receiving points), a commune at its own centre; a department
    that receives at its own desk does so in its own name; a district (before 1 July 2025) had a
    "bộ phận một cửa"."""
    if unit.level in (UnitLevel.CENTRE, UnitLevel.BRANCH):
        return heading_name(unit.parent) if unit.parent else "", unit.name.upper()
    if unit.level == UnitLevel.DISTRICT:
        return heading_name(unit), "BỘ PHẬN MỘT CỬA"
    if unit.level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE):
        return heading_name(unit), desk_name(unit).upper()
    return unit_header(unit)


def desk_name(unit: Unit) -> str:
    """The receiving body as a paper's text names it: "Trung tâm Phục vụ hành chính công xã Can
    Lộc", the centre or branch itself, a district's "Bộ phận một cửa Ủy ban nhân dân huyện …",
    or a department's own name (as ``desk_header``)."""
    if unit.level in (UnitLevel.PROVINCE, UnitLevel.COMMUNE):
        return "Trung tâm Phục vụ hành chính công " + _in_sentence(unit.name)
    if unit.level == UnitLevel.DISTRICT:
        return "Bộ phận một cửa " + agency(unit)
    return unit.name


def system_name(unit: Unit) -> str:
    """The issuing system's name that the QR code of a paper carries (Circular 01/2023/TT-VPCP
    [S]): the setting PAPERS_SYSTEM_NAME, else "Hệ thống thông tin giải quyết thủ tục hành chính
    tỉnh …" after the province the unit belongs to (Decree 118/2025/NĐ-CP's provincial
    system)."""
    if current_app.config.get("PAPERS_SYSTEM_NAME"):
        return current_app.config["PAPERS_SYSTEM_NAME"]
    while unit.level != UnitLevel.PROVINCE and unit.parent is not None:
        unit = unit.parent
    return "Hệ thống thông tin giải quyết thủ tục hành chính " + _in_sentence(unit.name)


def unit_header(unit: Unit) -> tuple[str, str]:
    """The two lines at the top left of a unit's letter: its parent authority, then itself."""
    return (heading_name(unit.parent) if unit.parent else ""), heading_name(unit)


def place(unit: Unit) -> str:
    """The place name before the date ("Can Lộc, ngày …"): the nearest administration's name
    without "Huyện", "Xã", "Tỉnh"…"""
    while unit.level not in _PLACES and unit.parent is not None:
        unit = unit.parent
    for word in _PLACE_WORDS:
        if unit.name.startswith(word):
            return unit.name[len(word) :]
    return unit.name


def _local(value: datetime) -> datetime:
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def long_date(value: datetime | date) -> str:
    """ "ngày 07 tháng 12 năm 2026", as under the national motto."""
    value = _local(value) if isinstance(value, datetime) else value
    return value.strftime("ngày %d tháng %m năm %Y")


def moment(value: datetime | None) -> str:
    """ "14 giờ 05 phút, ngày 07/12/2026", as the forms write a time."""
    return _local(value).strftime("%H giờ %M phút, ngày %d/%m/%Y") if value else ""


def iso(value: datetime | None) -> str:
    """ "2026-12-07T14:05+07:00": a time for machines (the QR codes), local with its offset."""
    return _local(value).isoformat(timespec="minutes") if value else ""


def stamp(value: datetime | None) -> str:
    """ "07/12/2026 14:05", for tables."""
    return _local(value).strftime("%d/%m/%Y %H:%M") if value else ""


def day(value: datetime | date | None) -> str:
    if value is None:
        return ""
    value = _local(value) if isinstance(value, datetime) else value
    return value.strftime("%d/%m/%Y")


def days(value: Decimal) -> str:
    """A number of days as written in Vietnamese: 20, 0,5, 1,5."""
    text = f"{Decimal(value).normalize():f}"
    return text.replace(".", ",")


def status(value) -> str:
    """A dossier's status as the forms word it (in Vietnamese, in the register's Excel too)."""
    return in_vietnamese(DossierStatus.label_of(value))


HELPERS = {
    "long_date": long_date,
    "moment": moment,
    "stamp": stamp,
    "day": day,
    "days": days,
    "status": status,
}


def working_time(hours: float) -> str:
    minutes = round(abs(hours) * 60)
    h, m = divmod(minutes, 60)
    if h and m:
        return f"{h} giờ {m} phút"
    return f"{h} giờ" if h else f"{m} phút"
