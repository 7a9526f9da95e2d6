from django.apps import AppConfig


class PinterestSandboxConfig(AppConfig):
    name = "pinterest_sandbox"
    verbose_name = "Pinterest sandbox"
    default_auto_field = "django.db.models.BigAutoField"
