from django.urls import path

from . import views

app_name = "datasets"

urlpatterns = [
    path("", views.dataset_list, name="dataset_list"),
    path("create/", views.dataset_create, name="dataset_create"),
    path("<int:pk>/", views.dataset_detail, name="dataset_detail"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/upload/", views.version_upload, name="version_upload"),
    path("versions/<int:pk>/publish/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/fork/", views.version_fork, name="version_fork"),
]
