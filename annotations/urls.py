from django.urls import path

from . import editor_views, views

app_name = "annotations"

urlpatterns = [
    path("", views.task_list, name="task_list"),
    path("new/", views.task_create, name="task_create"),
    path("new/preview/", views.task_preview, name="task_preview"),
    path("new/labels/", views.task_labels, name="task_labels"),
    path("<int:pk>/info/", views.task_info, name="task_info"),
    path("<int:pk>/complete/", views.task_complete, name="task_complete"),
    path("<int:pk>/delete/", views.task_delete, name="task_delete"),
    path("<int:pk>/annotate/", editor_views.task_annotate, name="task_annotate"),
    path("editor-bench/", editor_views.editor_bench, name="editor_bench"),
]
