"""gunicorn's logger with credentials redacted from its access and error lines.

gunicorn writes its access log itself (the request line with its query string, and the referrer),
outside Django's logging, so Django's redacting filter never sees those lines. ``scripts/web`` and
``manage.py serve`` start gunicorn with ``--logger-class pinboard_site.gunicorn_logging.RedactingLogger``.
"""

from gunicorn.glogging import Logger

from pinboard_site.log_redaction import RedactingFilter


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        # On loggers, not handlers: gunicorn re-creates its handlers when it reopens log files (SIGUSR1).
        for log in (self.access_log, self.error_log):
            if not any(isinstance(existing, RedactingFilter) for existing in log.filters):
                log.addFilter(RedactingFilter())
