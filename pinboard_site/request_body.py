"""Keep-alive connections stay usable after an answer that left the request body unread.

When Pinboard answers before reading a body (a 413 for a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE,
a 401 in front of an upload, a 404 on a POST), the unread bytes are still on the connection. HTTP/1.1
lets the client send its next request right behind them, so the server must read them away or close
the connection and say so (RFC 9112 §9.6). gunicorn does neither reliably: it reads at most 64 KiB
of a leftover body, then closes a connection whose response announced ``Connection: keep-alive``,
and it drops a ``Connection`` header the application sets. The client's next request on that
connection then fails (a reset or an empty answer).

``DrainUnreadBody`` wraps the WSGI application (pinboard_site/wsgi.py). When the application
starts its response it reads what is left of the body (up to REQUEST_BODY_DRAIN_MAX_BYTES; the
client is sending it anyway and HTTP clients send a whole body before reading the answer), so the
server finds the connection clean. A longer leftover is not read: the response says
``Connection: close`` and, under gunicorn, the connection is marked to close.
"""

from django.conf import settings

CHUNK = 64 * 1024


class _CountingInput:
    """``wsgi.input`` that counts what the application read."""

    def __init__(self, stream):
        self.stream = stream
        self.consumed = 0

    def _counted(self, data):
        self.consumed += len(data)
        return data

    def read(self, *args):
        return self._counted(self.stream.read(*args))

    def readline(self, *args):
        return self._counted(self.stream.readline(*args))

    def readlines(self, *args):
        lines = self.stream.readlines(*args)
        self.consumed += sum(len(line) for line in lines)
        return lines

    def __iter__(self):
        for line in self.stream:
            yield self._counted(line)


def _declared_length(environ) -> int | None:
    try:
        return int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None


def _force_close(start_response) -> None:
    """Make gunicorn close the connection and announce ``Connection: close``: its start_response is a
    method of its Response, whose ``force_close`` does that (gunicorn drops the header itself)."""
    owner = getattr(start_response, "__self__", None)
    if callable(getattr(owner, "force_close", None)):
        owner.force_close()


class DrainUnreadBody:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"] = _CountingInput(environ["wsgi.input"])

        def start_response_after_body(status, headers, exc_info=None):
            self._finish_body(environ, body, start_response, headers)
            return start_response(status, headers, exc_info)

        return self.application(environ, start_response_after_body)

    @staticmethod
    def _finish_body(environ, body: _CountingInput, start_response, headers) -> None:
        declared = _declared_length(environ)
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if declared is None and not chunked:
            return  # no body
        budget = settings.REQUEST_BODY_DRAIN_MAX_BYTES
        if declared is not None and declared - body.consumed > budget:
            drained = False
        else:
            drained = True
            while True:  # the stream ends at the body's end (its length, or the last chunk)
                data = body.stream.read(min(CHUNK, budget + 1))
                if not data:
                    break
                budget -= len(data)
                if budget < 0:  # a chunked body longer than the budget
                    drained = False
                    break
        if not drained:
            headers[:] = [(name, value) for name, value in headers if name.lower() != "connection"]
            headers.append(("Connection", "close"))
            _force_close(start_response)
