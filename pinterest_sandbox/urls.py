app_name = "pinterest_sandbox"
urlpatterns: list = []
