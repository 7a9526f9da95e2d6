from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from pinboard_site import views as site_views
from pinboard_site.forms import EmailAuthenticationForm
from publishing.api import views as api_views
from publishing.api.app import api
from publishing.metrics import metrics_view
from publishing.views import password_reset as password_reset_views
from publishing.views import review as review_views

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
    # A guest reviewer's page (no log-in): the token is the only key (publishing/views/review.py).
    path("review/<str:token>", review_views.review_page, name="review_page"),
    path("review/<str:token>/<str:kind>/<uuid:public_id>/decide", review_views.review_decide, name="review_decide"),
    path("review/<str:token>/assets/<uuid:public_id>", review_views.review_asset, name="review_asset"),
    path("sandbox/pinterest/", include("pinterest_sandbox.urls")),
]
