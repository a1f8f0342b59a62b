"""The create form's data as the browser posts it, for the task page tests."""

from django.urls import reverse

from annotations.models import AnnotationTask, FilterMode

HTMX = {"HTTP_HX_REQUEST": "true"}
CREATE = reverse("annotations:task_create")
PREVIEW = reverse("annotations:task_preview")
BLANK_RULE = {"labels": "", "conf_min": "", "conf_max": "", "count_min": "", "count_max": ""}
BLANK_RULE |= {"exclude": "include", "query": ""}
Order = AnnotationTask.Order


def rules(*rows: dict) -> dict:
    """Label rules as the browser posts them: the formset's management form, then every row."""
    data = {"rules-TOTAL_FORMS": str(len(rows)), "rules-INITIAL_FORMS": "0"}
    data |= {"rules-MIN_NUM_FORMS": "1", "rules-MAX_NUM_FORMS": "20"}
    for index, row in enumerate(rows):
        data |= {f"rules-{index}-{name}": value for name, value in (BLANK_RULE | row).items()}
    return data


def form_data(version, **fields) -> dict:
    """A create form as the browser posts it: All frames, sequential, each frame once."""
    data = {
        "name": "Cars pass",
        "version": str(version.pk),
        "mode": FilterMode.ALL,
        "frame_query": "",
        "order": Order.SEQUENTIAL,
        "repetition": "once",
        "limit": "",
        "seed": "",
        "clip_length": "",
    }
    return data | rules({}) | fields
