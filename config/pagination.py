from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=&page_size=` on every list, at most 1,000 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 1000


class CountedRows:
    """Rows whose number is known already (a stored counter), so a page costs no COUNT(*)."""

    def __init__(self, rows, count: int):
        self.rows, self.total = rows, count

    def count(self) -> int:
        return self.total

    def __getitem__(self, window: slice):
        return self.rows[window]
