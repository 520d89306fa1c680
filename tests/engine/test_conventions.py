from decimal import Decimal

import pytest

from motcua.engine import Handler, TimeLimit, parse_handler, parse_time_limit


def test_a_plain_role_is_a_role_in_the_dossiers_own_unit():
    handler = parse_handler("receptionist")
    assert handler == Handler(kind="role", role="receptionist")
    assert handler.unit_for("CLO") == "CLO"


def test_a_dotted_unit_is_a_sub_unit_of_the_dossiers_unit():
    handler = parse_handler("specialist@.TNMT")
    assert (handler.role, handler.unit_code, handler.relative) == ("specialist", "TNMT", True)
    assert handler.unit_for("CLO") == "CLO.TNMT"


def test_an_absolute_unit_is_an_interconnected_step():
    handler = parse_handler("specialist@STNMT")
    assert (handler.unit_code, handler.relative) == ("STNMT", False)
    assert handler.unit_for("CLO") == "STNMT"
    assert parse_handler("leader@HT.VPDK").unit_code == "HT.VPDK"


def test_named_officers_keep_their_order():
    handler = parse_handler("user:cl.nva, cl.ttb")
    assert handler.kind == "users"
    assert handler.usernames == ("cl.nva", "cl.ttb")
    assert handler.role is None and handler.unit_for("CLO") is None
    assert str(handler) == "user:cl.nva,cl.ttb"


@pytest.mark.parametrize(
    "text",
    ["", "boss", "Specialist", "specialist@", "specialist@tnmt", "specialist@.", "user:",
     "user:a,,b", "user:a b", "specialist@A..B"],
)  # fmt: skip
def test_a_bad_handler_is_refused_in_vietnamese(text):
    with pytest.raises(ValueError) as info:
        parse_handler(text)
    assert "xử lý" in str(info.value)


@pytest.mark.parametrize(
    "text, hours",
    [("4h", 4.0), ("1.5h", 1.5), ("2d", 16.0), ("0.5d", 4.0), (" 3d ", 24.0)],
)
def test_time_limits_convert_to_working_hours(text, hours):
    assert parse_time_limit(text).hours(hours_per_day=8) == hours


def test_time_limit_keeps_the_exact_amount():
    assert parse_time_limit("0.5d") == TimeLimit(Decimal("0.5"), "d")
    assert parse_time_limit("4h").days(hours_per_day=8) == 0.5


@pytest.mark.parametrize("text", ["", "4", "h", "0h", "0.0d", "-1d", "2 days", "1,5d", "2w"])
def test_a_bad_time_limit_is_refused_in_vietnamese(text):
    with pytest.raises(ValueError) as info:
        parse_time_limit(text)
    assert "hạn" in str(info.value)
