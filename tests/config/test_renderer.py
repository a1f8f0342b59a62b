"""The API's orjson renderer writes the bytes DRF's own JSON renderer writes."""

import datetime
import decimal
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DrfRenderer
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from config.renderers import JSONRenderer

UTC = datetime.UTC
VALUES = {
    "a time in UTC": datetime.datetime(2026, 12, 5, 5, 1, 2, 345678, tzinfo=UTC),
    "a time elsewhere": datetime.datetime(
        2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    ),
    "a date": datetime.date(2026, 1, 2),
    "a time of day": datetime.time(1, 2, 3, 456789),
    "a lazy translation": gettext_lazy("Not found."),
    "a decimal": decimal.Decimal("1.50"),
    "a uuid": uuid.UUID(int=5),
    "text JavaScript once refused": "é \u2028 \u2029 </script> \x00",
    "numbers": [1, 2.5, -0.0, 2**63 - 1, None, True],
    "int keys": {3: "three"},
    "serializer output": ReturnDict({"a": ReturnList([1], serializer=None)}, serializer=None),
}


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
def test_the_bytes_are_drfs(value):
    data = {"value": value}
    assert JSONRenderer().render(data) == DrfRenderer().render(data)


def test_an_indent_asked_for_is_honoured():
    rendered = JSONRenderer().render({"a": 1}, "application/json; indent=2")
    assert rendered == b'{\n  "a": 1\n}'


def test_nothing_renders_as_no_bytes():
    assert JSONRenderer().render(None) == b""
