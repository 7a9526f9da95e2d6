"""Run in a subprocess with SENTRY_DSN set (tests/operations/test_log_redaction.py): two requests whose views
fail, through Django's WSGI handler as gunicorn calls it, carrying secrets in every place a report could copy
them from. Prints the envelopes Sentry would have sent, as a JSON list of strings."""

import io
import json
import logging
from wsgiref.util import setup_testing_defaults

import sentry_sdk
from sentry_sdk.transport import Transport

from pinboard_site.wsgi import application  # sets Django up, and Sentry with it (SENTRY_DSN)
from publishing.views import review

sent = []


class Keep(Transport):
    def capture_envelope(self, envelope):
        sent.append(envelope.serialize().decode("utf-8", "replace"))


sentry_sdk.get_client().transport = Keep(sentry_sdk.get_client().options)


def failing(*args, **kwargs):
    plaintext = "pb_live_SECRETlocal1"  # a frame's local variable, under a name no denylist knows
    logging.getLogger("publishing.example").warning("opening /accounts/reset/MQ/SECRETreset2-abc/")  # a breadcrumb
    raise RuntimeError(f"boom {len(plaintext)}")


review.review_link_open = review.review_link_by_token = failing


def call(method, path, query="", body=b"", **headers):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "testserver",
               "HTTP_HOST": "testserver", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
               **{f"HTTP_{name.upper()}": value for name, value in headers.items()}}
    if body:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    setup_testing_defaults(environ)
    return b"".join(application(environ, lambda status, headers, exc_info=None: None))


call("GET", "/review/SECRETreview3", "code=SECRETcode4&page=2", REFERER="https://x.example/?token=SECRETref5")
call("POST", "/review/SECRETreview6/pin/00000000-0000-4000-8000-000000000000/decide",
     body=b"csrfmiddlewaretoken=" + b"c" * 32 + b"&name=Clara&decision=approve&comment=SECRETbody7",
     COOKIE="csrftoken=" + "c" * 32)
sentry_sdk.flush(timeout=5)
print(json.dumps(sent))
