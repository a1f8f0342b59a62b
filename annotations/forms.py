"""Forms of the task pages: the list's filters, the frame filter, and the create form.

`FrameFilterForm` is the choice of a version's frames (All, Empty, By label with its label-rule
formset, and a frame query) that the create form and the version page's Export… share; the create
form adds a source query (one of a frame's sources must match it). It turns its fields into the
engine's shape (`filters()`) and its subclasses check that with the engine's own validators, so no
rule is written twice; engine errors keyed like "filters[0].rules[1].query" land on the form field
they name (`error_targets()`).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from datasets.models import Dataset, Version
from frames.lucene import check_query

from .filters import MAX_RULES, clean_filters
from .iteration import MAX_CLIP_LENGTH, MAX_SEED, clean_iteration
from .models import AnnotationTask, FilterMode

RULES = "rules"  # the formset's prefix: fields are rules-0-labels, rules-TOTAL_FORMS, …
FILTER = "filters[0]"  # the one filter the form edits, as the engine names it
RULE_NEEDS_FIX = "A label rule needs fixing; see the marked row."
NO_RULES = "By label needs at least one label rule; add one with Add label rule."
TOO_MANY_RULES = "A filter takes at most %(num)d label rules; remove some and submit again."
RULES_TAMPERED = (
    "The label rules arrived without a valid rule count (%(field_names)s); reload the page "
    "and enter the rules again."
)

# Engine error keys -> the field that shows them; a key not listed goes to the top of the form.
FILTER_FIELD_OF_KEY = {
    f"{FILTER}.mode": "mode",
    f"{FILTER}.frame_query": "frame_query",
    f"{FILTER}.source_query": "source_query",
}
TASK_FIELD_OF_KEY = {
    "name": "name",
    "iteration.order": "order",
    "iteration.seed": "seed",
    "iteration.limit": "limit",
    "iteration.clip_length": "clip_length",
}
# What follows "filters[0].rules[<n>]" in a key -> the RuleForm field; None: the row as a whole.
# A pair error ("The minimum 3 is above the maximum 1.") goes on the pair's first field.
RULE_FIELD_OF_KEY = {
    "": None,
    ".labels": "labels",
    ".query": "query",
    ".confidence": "conf_min",
    ".confidence[0]": "conf_min",
    ".confidence[1]": "conf_max",
    ".count": "count_min",
    ".count[0]": "count_min",
    ".count[1]": "count_max",
    ".exclude": "exclude",
}


# The list


def frame_query_field() -> forms.CharField:
    """The Lucene frame query, as the task and export forms ask for it."""
    return forms.CharField(
        required=False,
        max_length=2000,
        label="Frame query",
        help_text="Lucene over frames: context_id, timestamp, meta.<key>.",
        widget=forms.TextInput(attrs={"placeholder": "meta.weather:rain", "spellcheck": "false"}),
    )


def source_query_field() -> forms.CharField:
    """The Lucene source query: one of a frame's sources (its cameras) must match it."""
    return forms.CharField(
        required=False,
        max_length=2000,
        label="Source query",
        help_text="Lucene over a frame's sources: id, uri, width, height, meta.<key>; a frame "
        "matches when one of its sources does. A frame of one source has the id default.",
        widget=forms.TextInput(
            attrs={"placeholder": "id:front AND width:>=1920", "spellcheck": "false"}
        ),
    )


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


# Create: one label rule


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

    @property
    def is_query_open(self) -> bool:
        """The Lucene field shows once asked for, and whenever it holds a query."""
        return bool(self["show_query"].value() or self["query"].value())

    def clean_query(self) -> str:
        # The engine checks queries too, but stops at the first bad rule; this shows every row's.
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


# Create: the rules formset


class BaseRuleFormSet(forms.BaseFormSet):
    default_error_messages = {
        "missing_management_form": RULES_TAMPERED,
        "too_many_forms": TOO_MANY_RULES,
    }

    def get_form_kwargs(self, index: int) -> dict:
        # A blank row is a rule too (any label, at least one instance): never skip it as empty.
        return {**super().get_form_kwargs(index), "empty_permitted": False}

    def clean(self) -> None:
        # Not validate_min: it counts blank rows as missing, and a blank row is a valid rule.
        if self.management_form.is_valid() and not self.forms:
            raise ValidationError(NO_RULES, code="too_few_forms")


RuleFormSet = forms.formset_factory(
    RuleForm,
    formset=BaseRuleFormSet,
    extra=0,
    min_num=1,
    max_num=MAX_RULES,
    absolute_max=MAX_RULES,
    validate_max=True,
)


def rules_after(data: QueryDict, action: str) -> tuple[QueryDict, int | None]:
    """The posted data after an "add" or "remove-<index>" button, and the index of the row to
    focus: one blank row more (up to MAX_RULES), or that row gone and the ones below moved up
    (never the last row)."""
    total = RuleFormSet(data, prefix=RULES).total_form_count()
    data = data.copy()
    if action == "add":
        if total >= MAX_RULES:
            return data, None
        data[f"{RULES}-TOTAL_FORMS"] = str(total + 1)
        data.setdefault(f"{RULES}-INITIAL_FORMS", "0")
        return data, total
    removed = action.removeprefix("remove-")
    if total <= 1 or not removed.isdigit() or int(removed) >= total:
        return data, None
    for index in range(int(removed), total):
        for name in RuleForm.base_fields:
            below, here = f"{RULES}-{index + 1}-{name}", f"{RULES}-{index}-{name}"
            if below in data:
                data.setlist(here, data.getlist(below))
            else:
                data.pop(here, None)
    data[f"{RULES}-TOTAL_FORMS"] = str(total - 1)
    return data, None


# The frames a task or an export takes


class FrameFilterForm(forms.Form):
    """Which frames of a version: All, Empty, or By label with its label rules (the `rules`
    formset), narrowed by a frame query; `filters()` is the engine's shape. The task form and the
    version page's Export… extend it; each names its own engine error keys (`field_of_key`) and
    checks `filters()` with the engine once its own fields are valid."""

    field_of_key = FILTER_FIELD_OF_KEY

    mode = forms.ChoiceField(
        choices=FilterMode.choices,
        initial=FilterMode.ALL,
        widget=forms.RadioSelect,
        label="Frames",
    )
    frame_query = frame_query_field()
    source_query = source_query_field()

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.rules = RuleFormSet(data, prefix=RULES)

    @property
    def is_by_label(self) -> bool:
        return self["mode"].value() == FilterMode.BY_LABEL

    def clean_frame_query(self) -> str:
        query = self.cleaned_data["frame_query"].strip()
        check_query(query, scope="frame")
        return query

    def clean_source_query(self) -> str:
        query = self.cleaned_data["source_query"].strip()
        check_query(query, scope="source")
        return query

    def clean(self) -> dict:
        data = super().clean()
        if self.is_by_label and not self.rules.is_valid():
            for error in self.rules.non_form_errors().as_data():
                self.add_error(None, error)
            if any(self.rules.errors):
                self.add_error(None, ValidationError(RULE_NEEDS_FIX, code="invalid_rule"))
        return data

    def filters(self) -> list[dict]:
        """One filter; the rule rows count only for By label."""
        data = self.cleaned_data
        is_by_label = data["mode"] == FilterMode.BY_LABEL
        rules = [rule.as_rule() for rule in self.rules] if is_by_label else []
        found = {"mode": data["mode"], "rules": rules, "frame_query": data["frame_query"]}
        if data["source_query"]:
            found["source_query"] = data["source_query"]
        return [found]

    def error_targets(self) -> dict[str, tuple[forms.Form, str | None]]:
        """Engine error key -> (form, field) that shows it; rule n of the engine is row n."""
        targets = {key: (self, field) for key, field in self.field_of_key.items()}
        for index, rule in enumerate(self.rules):
            for suffix, field in RULE_FIELD_OF_KEY.items():
                targets[f"{FILTER}.rules[{index}]{suffix}"] = (rule, field)
        return targets

    def add_service_error(self, error: ValidationError) -> None:
        """Put an engine error beside the field its key names, else at the top of the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        targets = self.error_targets()
        for key, errors in error.error_dict.items():
            form, field = targets.get(key, (self, None))
            form.add_error(field, errors)
            if form is not self and RULE_NEEDS_FIX not in self.non_field_errors():
                self.add_error(None, ValidationError(RULE_NEEDS_FIX, code="invalid_rule"))


# Create: the task


def version_choices(versions: list[Version]) -> list:
    groups: dict[str, list] = {}
    for version in versions:
        label = f"{version.name} · {version.get_status_display()} · {version.frame_count:,} frames"
        groups.setdefault(version.dataset.name, []).append((version.pk, label))
    return [("", "Choose a version…"), *groups.items()]


class TaskForm(FrameFilterForm):
    field_of_key = FILTER_FIELD_OF_KEY | TASK_FIELD_OF_KEY
    field_order = ["name", "version", "mode", "frame_query", "source_query"]  # then the iteration

    name = forms.CharField(max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    version = forms.TypedChoiceField(
        coerce=int,
        empty_value=None,
        label="Dataset version",
        help_text="A Published version stays as it is: the task works on a new Draft child "
        "named after the task.",
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
        max_value=MAX_CLIP_LENGTH,
        label="Clip length (for video)",
        help_text="Consecutive frames of one context per item; 0 or 1: one frame.",
        widget=_number_input(min="0", inputmode="numeric", placeholder="0"),
    )

    def __init__(self, data=None, *, versions: list[Version], require_name=True, **kwargs):
        super().__init__(data, **kwargs)
        self.versions = {version.pk: version for version in versions}
        self.fields["version"].choices = version_choices(versions)
        self.fields["name"].required = require_name

    def clean_version(self) -> Version | None:
        pk = self.cleaned_data["version"]
        return None if pk is None else self.versions[pk]

    def clean(self) -> dict:
        data = super().clean()
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

    def iteration(self) -> dict:
        data = self.cleaned_data
        is_random = data["order"] == AnnotationTask.Order.RANDOM
        return {
            "order": data["order"],
            "seed": data["seed"] if is_random else None,
            "limit": data["limit"] if data["repetition"] == "limit" else None,
            "clip_length": data["clip_length"] or 0,
        }
