from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from annotations.filters import clean_filters
from annotations.forms import FILTER_FIELD_OF_KEY, FrameFilterForm
from annotations.models import FilterMode
from config.errors import ConflictError
from datasets.models import Dataset, Version
from datasets.services import MAX_DESCRIPTION_LENGTH, check_version_name


def add_service_error(form: forms.Form, error: ValidationError, field: str | None = None) -> None:
    """Show a service's error beside the field it names, else beside `field` (None: the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else field, errors)
    else:
        form.add_error(field, error)


class DatasetForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=MAX_DESCRIPTION_LENGTH
    )


class VersionForkForm(forms.Form):
    name = forms.CharField(
        max_length=200,
        label="Name of the new Draft",
        widget=forms.TextInput(attrs={"autofocus": True}),
    )

    def __init__(self, *args, dataset: Dataset, **kwargs):
        super().__init__(*args, **kwargs)
        self.dataset = dataset

    def clean(self) -> dict:
        data = super().clean()
        if "name" in data:
            data["name"] = check_version_name(dataset=self.dataset, name=data["name"])
        return data


class VersionPublishForm(forms.Form):
    # Set by the second confirmation, after the page said which tasks work on the version.
    force = forms.BooleanField(required=False, widget=forms.HiddenInput)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        cleaned = []
        for item in files:
            if item:
                cleaned.append(super().clean(item, initial))
        return cleaned


class UploadForm(forms.Form):
    files = MultipleFileField(
        required=False, help_text="Images (JPEG, PNG, WebP, BMP, TIFF, GIF) or videos."
    )
    context_id = forms.CharField(
        required=False,
        max_length=255,
        label="Batch name",
        help_text="Becomes the frames' context_id. Videos use their file name.",
    )

    def __init__(self, *args, version: Version, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = version

    def clean_files(self) -> list:
        files = self.cleaned_data["files"]
        if not files:
            raise ValidationError("Choose at least one image or video.", code="required")
        return files


# Export and import (the version page's dialogs, and the task menu's Export…)

# (value, name, file type, what a user of the format gets); the engines decide what is valid.
EXPORT_FORMATS = [
    (
        "hyperlabel",
        "Hyperlabel JSON Lines",
        ".jsonl",
        "One frame a line with its sources, every shape, label, colour, lock and meta; imports "
        "back as it was.",
    ),
    (
        "coco",
        "COCO",
        ".json",
        "Boxes, polygons, key points and masks (RLE) for pycocotools, Detectron2 and MMDetection; "
        "ellipses and rotated boxes as polygons.",
    ),
    (
        "coco-results",
        "COCO detection results",
        ".json",
        "Boxes with their scores: the detections COCOeval compares with a COCO export.",
    ),
    (
        "yolo",
        "YOLO (Ultralytics)",
        ".zip",
        "data.yaml and a labels/<frame>.txt per image, in normalised coordinates; masks as "
        "traced outlines.",
    ),
    (
        "voc",
        "Pascal VOC",
        ".zip",
        "An Annotations/<frame>.xml per image; boxes only: any other shape becomes its box.",
    ),
]
IMPORT_FORMATS = [
    (
        "coco",
        "COCO",
        ".json / .zip",
        "Instances JSON, alone or zipped with its images: annotations go to the frames with the "
        "same file name or key; images not here become new frames.",
    ),
    (
        "yolo",
        "YOLO (Ultralytics)",
        ".zip",
        "data.yaml and labels/*.txt; images in images/ that are not here become new frames.",
    ),
    (
        "voc",
        "Pascal VOC",
        ".zip",
        "Annotations/*.xml; images in JPEGImages/ that are not here become new frames.",
    ),
    (
        "hyperlabel",
        "Hyperlabel JSON Lines",
        ".jsonl",
        "New frames, one a line in the bulk-import shape, as a Hyperlabel export writes them.",
    ),
]
NO_IMAGES = "coco-results"  # a list of detections: it has nowhere to put an image
# The export engine's error keys -> the export form's field that shows them.
EXPORT_FIELD_OF_KEY = {"format": "format", "include_images": "include_images"}


def _choices(formats: list[tuple[str, str, str, str]]) -> list[tuple[str, str]]:
    return [(value, name) for value, name, _, _ in formats]


@dataclass
class FormatOption:
    """A radio of a format field, with its file type and one-line description."""

    radio: object  # a BoundWidget: .tag(), .choice_label, .id_for_label
    file_type: str
    help_text: str


class FormatFieldMixin:
    """`format_options`: the format radios with their descriptions, for the template."""

    formats: list[tuple[str, str, str, str]]

    def format_options(self) -> list[FormatOption]:
        about = {value: (file_type, text) for value, _, file_type, text in self.formats}
        return [FormatOption(radio, *about[radio.data["value"]]) for radio in self["format"]]


class ExportForm(FormatFieldMixin, forms.Form):
    """Format and images of an export whose frames are decided elsewhere (a task's export)."""

    scoped = False  # no choice of frames: VersionExportForm adds one
    formats = EXPORT_FORMATS
    format = forms.ChoiceField(
        choices=_choices(EXPORT_FORMATS), initial="coco", widget=forms.RadioSelect
    )
    include_images = forms.BooleanField(
        required=False,
        label="Include the images",
        help_text="The download becomes one zip: the annotations, and the images by file name.",
    )

    @property
    def images_allowed(self) -> bool:
        """COCO detection results are one list of boxes: they cannot hold images."""
        return self["format"].value() != NO_IMAGES

    def clean(self) -> dict:
        data = super().clean()
        if data.get("format") == NO_IMAGES:
            data["include_images"] = False  # the box is disabled; without JavaScript, ignored
        return data

    def filters(self) -> list[dict] | None:
        """None: every frame of the version (or, with a task, the task's)."""
        return None

    def export_options(self) -> dict:
        """export_start's keyword arguments from this form (besides version, user, task)."""
        return {
            "format": self.cleaned_data["format"],
            "filters": self.filters(),
            "include_images": self.cleaned_data["include_images"],
        }

    def add_service_error(self, error: ValidationError) -> None:
        """An engine or service error beside the field its key names, else atop the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            self.add_error(EXPORT_FIELD_OF_KEY.get(key), errors)


class VersionExportForm(FrameFilterForm, ExportForm):
    """The version page's Export…: the format, the images, and which frames, chosen as a task's
    are (All, Empty or By label, and a frame query)."""

    scoped = True
    field_of_key = FILTER_FIELD_OF_KEY | EXPORT_FIELD_OF_KEY
    field_order = ["format", "mode", "frame_query", "source_query", "include_images"]

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors:
            try:
                clean_filters(self.filters())
            except ValidationError as error:
                self.add_service_error(error)
        return data

    def filters(self) -> list[dict] | None:
        """The engine's filters; None when nothing narrows the version (All, no queries)."""
        data = self.cleaned_data
        if data["mode"] == FilterMode.ALL and not (data["frame_query"] or data["source_query"]):
            return None
        return super().filters()


class ImportForm(FormatFieldMixin, forms.Form):
    formats = IMPORT_FORMATS
    file = forms.FileField(
        label="File",
        help_text="A .json, .zip or .jsonl file in the format chosen below.",
        error_messages={"required": "Choose the file to import.", "empty": "The file is empty."},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".json,.jsonl,.zip,application/json,application/zip"}
        ),
    )
    format = forms.ChoiceField(
        choices=_choices(IMPORT_FORMATS), initial="coco", widget=forms.RadioSelect
    )

    def add_service_error(self, error: ValidationError) -> None:
        """A refusal of the version (Published) atop the form; a problem of the file beside it."""
        add_service_error(self, error, None if isinstance(error, ConflictError) else "file")
