from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from pinboard_site import views as site_views
from pinboard_site.forms import EmailAuthenticationForm
from publishing.api import views as api_views
from publishing.api.app import api
from publishing.metrics import metrics_view
from publishing.views import password_reset as password_reset_views

admin.site.site_header = "Pinboard administration"
admin.site.site_title = "Pinboard admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    # Before Django's auth URLs: the reset request only queues the mail (no account lookup here).
    path("accounts/password_reset/", password_reset_views.password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", site_views.root, name="root"),
    path("healthz", api_views.healthz, name="healthz"),
    path("readyz", api_views.readyz, name="readyz"),
    # Prometheus; off (404) unless METRICS_TOKEN or METRICS_ALLOWED_IPS is set (publishing/metrics.py).
    path("metrics", metrics_view, name="metrics"),
    path("v1/", api.urls),
    # Anything else under /v1 is an API 404 in the API's error shape, never a slash redirect.
    re_path(r"^v1/(?P<unmatched_path>.*)$", api_views.not_found),
    path("app/", include("publishing.urls")),
    path("sandbox/pinterest/", include("pinterest_sandbox.urls")),
]
