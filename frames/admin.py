"""Admin for frames and ROIs. Frame rows are shared between versions (copy-on-write), so the admin
edits only the meta of a frame its Draft owns, through `annotations.services.frame_save` (checked
and recorded in the frame's history like any save); ROIs are read-only here."""

from django import forms
from django.contrib import admin

from annotations.services import frame_save
from config.admin import ServiceErrorsMixin
from datasets.services import ensure_draft
from frames.validation import FieldError, clean_meta

from .models import Frame, Roi
from .services import check_revision


class FrameAdminForm(forms.ModelForm):
    # The revision the form was opened at: a save on top of someone else's is refused.
    opened_revision = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Frame
        fields = ["meta"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_revision"].initial = self.instance.revision

    def clean_meta(self):
        try:
            return clean_meta(self.cleaned_data["meta"], "meta")
        except FieldError as error:
            raise forms.ValidationError(error.message, code=error.code) from None

    def clean(self):
        data = super().clean()
        current = Frame.objects.select_related("version").get(pk=self.instance.pk)
        ensure_draft(current.version)
        check_revision(current, data.get("opened_revision"))
        return data


@admin.register(Frame)
class FrameAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    form = FrameAdminForm
    list_display = ["key", "context_id", "timestamp", "version", "annotation_count", "revision"]
    list_filter = ["version__status", "version"]
    list_select_related = ["version__dataset"]
    search_fields = ["key", "context_id"]
    show_full_result_count = False
    fields = [
        "key",
        "version",
        "context_id",
        "timestamp",
        "uri",
        "width",
        "height",
        "sources",
        "meta",
        "opened_revision",
        "revision",
        "annotation_count",
        "updated_at",
    ]
    readonly_fields = [field for field in fields if field not in ("meta", "opened_revision")]

    def has_add_permission(self, request) -> bool:
        return False  # frames come from imports and the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting goes through a version, which may share the row

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.version.is_published:
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if not self.has_change_permission(request, obj):
            return [field for field in fields if field != "opened_revision"]
        return fields

    def save_model(self, request, obj, form, change) -> None:
        frame_save(
            version=obj.version,
            key=obj.key,
            revision=form.cleaned_data["opened_revision"],
            meta=form.cleaned_data["meta"],
            user=request.user,
        )


@admin.register(Roi)
class RoiAdmin(admin.ModelAdmin):
    list_display = ["uid", "type", "labels", "source", "confidence", "frame", "locked"]
    list_filter = ["type", "locked"]
    list_select_related = ["frame"]
    search_fields = ["labels", "uid"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # ROIs change in the editor or the API, where revisions are checked

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
