from django.urls import path

from . import views

app_name = "frames"

urlpatterns = [
    path("<int:pk>/image/", views.frame_image, name="frame_image"),
    path("<int:pk>/thumb/", views.frame_thumb, name="frame_thumb"),
]
