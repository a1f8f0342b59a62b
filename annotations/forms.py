"""Forms of the task pages: the list's filters and the create form with its label-rule rows.

The create form turns its fields into the engine's shapes (`filters()`, `iteration()`) and checks
them with the engine's own validators, so no rule is written twice; engine errors keyed like
"filters[0].rules[1].query" land beside the field they name.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

from datasets.models import Dataset, Version
from frames.lucene import check_query

from .filters import clean_filters
from .iteration import MAX_SEED, clean_iteration
from .models import AnnotationTask, FilterMode

MAX_RULES = 20
RULE_KEY = re.compile(r"^filters\[0\]\.rules\[(\d+)\]\.(\w+)")
FIELD_OF_KEY = {
    "name": "name",
    "filters[0].mode": "mode",
    "filters[0].frame_query": "frame_query",
    "iteration.order": "order",
    "iteration.seed": "seed",
    "iteration.limit": "limit",
    "iteration.clip_length": "clip_length",
}
RULE_NEEDS_FIX = "A label rule needs fixing; see the marked row."


# The list


class TaskListFilterForm(forms.Form):
    """?status=&dataset=&mine=&sort= of the task list; a bad value falls back to its default."""

    status = forms.ChoiceField(
        choices=AnnotationTask.Status.choices, required=False, widget=forms.RadioSelect
    )
    dataset = forms.ModelChoiceField(
        queryset=Dataset.objects.order_by("name"), required=False, empty_label="All datasets"
    )
    mine = forms.ChoiceField(
        choices=[("", "Everyone"), ("1", "Mine")], required=False, widget=forms.RadioSelect
    )
    sort = forms.ChoiceField(choices=[("recent", "Recent"), ("name", "Name")], required=False)

    DEFAULTS = {"status": "active", "dataset": None, "mine": "", "sort": "recent"}

    def values(self) -> dict:
        """The valid choices, defaults for the rest."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) or d for name, d in self.DEFAULTS.items()}


# Create


def _number_input(**attrs) -> forms.NumberInput:
    return forms.NumberInput(attrs={"inputmode": "decimal", **attrs})


class RuleForm(forms.Form):
    """One By Label row; blank bounds take the engine's defaults (confidence 0 to 1, count 1 to ∞)."""

    labels = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.TextInput(
            attrs={"list": "version-labels", "placeholder": "car", "autocomplete": "off"}
        ),
        help_text="Comma-separated; an annotation must carry all of them.",
    )
    conf_min = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="Confidence from",
        widget=_number_input(step="0.05", min="0", max="1", placeholder="–"),
    )
    conf_max = forms.FloatField(
        required=False,
        min_value=0,
        max_value=1,
        label="Confidence to",
        widget=_number_input(step="0.05", min="0", max="1", placeholder="1"),
    )
    count_min = forms.IntegerField(
        required=False,
        min_value=0,
        label="Instances from",
        widget=_number_input(min="0", placeholder="1", inputmode="numeric"),
    )
    count_max = forms.IntegerField(
        required=False,
        min_value=0,
        label="Instances to",
        widget=_number_input(min="0", placeholder="∞", inputmode="numeric"),
    )
    exclude = forms.ChoiceField(
        choices=[("include", "Include"), ("exclude", "Exclude")], required=False
    )
    show_query = forms.BooleanField(required=False, label="Lucene query")
    query = forms.CharField(
        required=False,
        max_length=2000,
        label="Lucene query",
        widget=forms.TextInput(
            attrs={"placeholder": "label:car AND confidence:[0.5 TO 1]", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, rule_id: int, **kwargs):
        super().__init__(*args, prefix=f"rule-{rule_id}", **kwargs)
        self.rule_id = rule_id

    @property
    def is_query_open(self) -> bool:
        """The Lucene field shows once asked for, and whenever it holds a query."""
        return bool(self["show_query"].value() or self["query"].value())

    def clean_query(self) -> str:
        query = self.cleaned_data["query"].strip()
        check_query(query, scope="roi")
        return query

    def as_rule(self) -> dict:
        data = self.cleaned_data
        labels = [label.strip() for label in data["labels"].split(",") if label.strip()]
        return {
            "labels": labels,
            "query": data["query"],
            "confidence": [data["conf_min"], data["conf_max"]],
            "count": [data["count_min"], data["count_max"]],
            "exclude": data["exclude"] == "exclude",
        }

    def row_errors(self) -> list[str]:
        """Everything wrong with the row except the query, which shows under its own field."""
        messages = list(self.non_field_errors())
        for name in ("labels", "conf_min", "conf_max", "count_min", "count_max", "exclude"):
            messages += [
                f"{self.fields[name].label or name.title()}: {e}" for e in self[name].errors
            ]
        return messages


def rule_ids(data) -> list[int]:
    """The row ids the form posted (hidden `rule` inputs), in page order; one row to start."""
    if data is None:
        return [0]
    ids = []
    for value in data.getlist("rule"):
        if value.isdigit() and int(value) not in ids:
            ids.append(int(value))
    return ids[:MAX_RULES] or [0]


def version_choices(versions: list[Version]) -> list:
    groups: dict[str, list] = {}
    for version in versions:
        label = f"{version.name} · {version.get_status_display()} · {version.frame_count:,} frames"
        groups.setdefault(version.dataset.name, []).append((version.pk, label))
    return [("", "Choose a version…"), *groups.items()]


class TaskForm(forms.Form):
    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    version = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        label="Dataset version",
        help_text="A Published version stays as it is: the task works on a new Draft child "
        "named after the task.",
    )
    mode = forms.ChoiceField(
        choices=FilterMode.choices,
        initial=FilterMode.ALL,
        widget=forms.RadioSelect,
        label="Set filters",
    )
    frame_query = forms.CharField(
        required=False,
        max_length=2000,
        label="Frame query",
        help_text="Lucene over frames: context_id, timestamp, meta.<key>.",
        widget=forms.TextInput(attrs={"placeholder": "meta.weather:rain", "spellcheck": "false"}),
    )
    order = forms.ChoiceField(
        choices=AnnotationTask.Order.choices,
        initial=AnnotationTask.Order.SEQUENTIAL,
        widget=forms.RadioSelect,
    )
    repetition = forms.ChoiceField(
        choices=[("once", "Use Each Frame Once"), ("limit", "Limit Frames")],
        initial="once",
        widget=forms.RadioSelect,
    )
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        label="Use max. frames",
        widget=_number_input(min="1", inputmode="numeric", placeholder="100"),
    )
    seed = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_SEED,
        label="Random seed",
        help_text="Blank: one is generated and shown once the task exists.",
        widget=_number_input(min="0", inputmode="numeric", placeholder="generated"),
    )
    clip_length = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=10_000,
        label="Clip length (for video)",
        help_text="Consecutive frames of one context per item; 0 or 1: one frame.",
        widget=_number_input(min="0", inputmode="numeric", placeholder="0"),
    )

    def __init__(
        self, data=None, *, versions: list[Version], require_name=True, rows=None, **kwargs
    ):
        super().__init__(data, **kwargs)
        self.versions = {version.pk: version for version in versions}
        self.fields["version"].choices = version_choices(versions)
        self.fields["name"].required = require_name
        self.rules = [RuleForm(data, rule_id=row) for row in rows or rule_ids(data)]

    @property
    def is_by_label(self) -> bool:
        return self["mode"].value() == FilterMode.BY_LABEL

    def clean_version(self) -> Version | None:
        pk = self.cleaned_data["version"]
        return None if pk is None else self.versions[pk]

    def clean_frame_query(self) -> str:
        query = self.cleaned_data["frame_query"].strip()
        check_query(query, scope="frame")
        return query

    def clean(self) -> dict:
        data = super().clean()
        if self.is_by_label:
            # Every row is checked (no short cut), so each shows its own errors.
            invalid_rules = [rule for rule in self.rules if not rule.is_valid()]
            if invalid_rules:
                self.add_error(None, ValidationError(RULE_NEEDS_FIX, code="invalid_rule"))
        if data.get("repetition") == "limit" and data.get("limit") is None and "limit" in data:
            self.add_error(
                "limit",
                ValidationError(
                    "Give the maximum number of frames, or choose Use Each Frame Once.",
                    code="required",
                ),
            )
        if not self.errors:
            try:
                clean_filters(self.filters())
                clean_iteration(self.iteration(), generate_seed=False)
            except ValidationError as error:
                self.add_service_error(error)
        return data

    def filters(self) -> list[dict]:
        data = self.cleaned_data
        rules = (
            [rule.as_rule() for rule in self.rules] if data["mode"] == FilterMode.BY_LABEL else []
        )
        return [{"mode": data["mode"], "rules": rules, "frame_query": data["frame_query"]}]

    def iteration(self) -> dict:
        data = self.cleaned_data
        is_random = data["order"] == AnnotationTask.Order.RANDOM
        return {
            "order": data["order"],
            "seed": data["seed"] if is_random else None,
            "limit": data["limit"] if data["repetition"] == "limit" else None,
            "clip_length": data["clip_length"] or 0,
        }

    def add_service_error(self, error: ValidationError) -> None:
        """Put an engine error beside the field its key names, else at the top of the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            match = RULE_KEY.match(key)
            if match and int(match[1]) < len(self.rules):
                rule = self.rules[int(match[1])]
                rule.add_error(match[2] if match[2] in ("labels", "query") else None, errors)
                if RULE_NEEDS_FIX not in self.non_field_errors():
                    self.add_error(None, ValidationError(RULE_NEEDS_FIX, code="invalid_rule"))
            else:
                self.add_error(FIELD_OF_KEY.get(key), errors)
