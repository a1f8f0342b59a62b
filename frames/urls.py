from django.urls import path

from config import converters  # noqa: F401  (registers <id:…>)

from . import views

app_name = "frames"

urlpatterns = [
    path("<id:pk>/image/", views.frame_image, name="frame_image"),
    path("<id:pk>/thumb/", views.frame_thumb, name="frame_thumb"),
]
