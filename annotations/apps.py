from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Annotation tasks"

    def ready(self) -> None:
        # frames cannot import this app: an annotation import tells us what it added, in its
        # transaction, and we record it as saves are recorded.
        from frames.services import annotations_added

        from .services.saves import record_added_annotations

        annotations_added.connect(record_added_annotations, dispatch_uid="annotations.history")
