"""The /v1 API (django-ninja): one router per area in ``routers``, In/Out schemas in ``schemas``."""
