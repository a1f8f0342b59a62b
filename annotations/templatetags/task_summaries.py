"""Filters for task cards and the Info dialog; the wording lives in `annotations.summaries`."""

from django import template

from annotations import summaries

register = template.Library()

register.filter("filters_summary", summaries.filters_summary)
register.filter("order_summary", summaries.order_summary)
register.filter("rule_rows", summaries.rule_rows)
register.filter("mode_name", summaries.mode_name)
