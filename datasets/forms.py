from django import forms
from django.core.exceptions import ValidationError

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
