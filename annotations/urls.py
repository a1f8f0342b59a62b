from django.urls import path

from config import converters  # noqa: F401  (registers <id:…>)

from . import editor_views, views

app_name = "annotations"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("new/", views.task_create, name="task_create"),
    path("new/preview/", views.task_preview, name="task_preview"),
    path("new/labels/", views.task_labels, name="task_labels"),
    path("<id:pk>/info/", views.task_info, name="task_info"),
    path("<id:pk>/complete/", views.task_complete, name="task_complete"),
    path("<id:pk>/delete/", views.task_delete, name="task_delete"),
    path("<id:pk>/export/", views.task_export, name="task_export"),
    path("<id:pk>/annotate/", editor_views.task_annotate, name="task_annotate"),
    path("editor-bench/", editor_views.editor_bench, name="editor_bench"),
]
