from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`?page=&page_size=` on every list, at most 1,000 rows a page."""

    page_size_query_param = "page_size"
    max_page_size = 1000
