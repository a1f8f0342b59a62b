from django.urls import path

from config import converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "datasets"

urlpatterns = [
    path("", views.dataset_list, name="dataset_list"),
    path("create/", views.dataset_create, name="dataset_create"),
    path("<id:pk>/", views.dataset_detail, name="dataset_detail"),
    path("versions/<id:pk>/", views.version_detail, name="version_detail"),
    path("versions/<id:pk>/upload/", views.version_upload, name="version_upload"),
    path("versions/<id:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<id:pk>/fork/", views.version_fork, name="version_fork"),
    path("versions/<id:pk>/export/", views.version_export, name="version_export"),
    path("versions/<id:pk>/export/count/", views.version_export_count, name="version_export_count"),
    path("versions/<id:pk>/import/", views.version_import, name="version_import"),
    path("versions/<id:pk>/jobs/", views.version_jobs, name="version_jobs"),
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<id:pk>/cancel/", views.job_cancel, name="job_cancel"),
]
