from django.urls import path

from . import editor_views

app_name = "annotations"

urlpatterns = [
    path("<int:pk>/annotate/", editor_views.task_annotate, name="task_annotate"),
    path("editor-bench/", editor_views.editor_bench, name="editor_bench"),
]
