"""URL converters for the pages. `<id:pk>` is a database id: digits that fit a 64-bit column.

Django's `<int:…>` takes any number of digits, so a 20-digit id reached the database and overflowed
the column (a 500 on PostgreSQL, an OverflowError on SQLite); here it is simply no page (404).
"""

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError(f"{value} is beyond a 64-bit id")  # Django answers 404
        return number

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
