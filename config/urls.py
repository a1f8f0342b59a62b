from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from .views import LoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="datasets:dataset_list"), name="home"),
    path("login/", LoginView.as_view(), name="login"),
    # Browsers ask for /favicon.ico whatever the page says; anyone may have the icon.
    path(
        "favicon.ico",
        login_not_required(RedirectView.as_view(url=f"{settings.STATIC_URL}img/logo.svg")),
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("datasets/", include("datasets.urls")),
    path("jobs/", RedirectView.as_view(pattern_name="datasets:job_list", query_string=True)),
    path("frames/", include("frames.urls")),
    path("tasks/", include("annotations.urls")),
    path("api/", include("config.api_urls")),
]

handler404 = "config.views.not_found"
