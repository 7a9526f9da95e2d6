from django.http import JsonResponse
from django.shortcuts import redirect

SERVICE_NAME = "PinBridge API"
VERSION = "1.0.0"


def root(request):
    """``GET /`` is the API's root document for clients and the dashboard's front door for browsers.

    The PinBridge SDK asks for ``application/json``; a browser asks for HTML first.
    """
    if _prefers_html(request.headers.get("Accept", "")):
        return redirect("overview")
    return JsonResponse({"service": SERVICE_NAME, "version": VERSION, "docs": "/v1/docs"})


def _prefers_html(accept: str) -> bool:
    html, json = accept.find("text/html"), accept.find("application/json")
    return html != -1 and (json == -1 or html < json)
