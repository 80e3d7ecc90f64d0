"""gunicorn's settings for Tessera: `gunicorn config.wsgi:application -c gunicorn.conf.py`
(gunicorn also reads this file by itself when started from the checkout's root). The production
Procfile starts it so; docs/operations.md says how to size it.

gunicorn's own default refuses a request line over 4,094 bytes with a bare HTML 414, before
Tessera sees it; a partner's list filter (up to 100 order ids) comes close to that. 8,190 is the
most gunicorn allows, so a query string over Tessera's own limit (MAX_QUERY_STRING in
tessera/api/base.py, 8,000 characters) still reaches Tessera, which answers with a problem
document; only a request line over 8,190 bytes gets gunicorn's own 414.
"""

import os

limit_request_line = 8190

# Where to listen: HOST and PORT, as `make run` uses them. The number of processes comes from
# WEB_CONCURRENCY (gunicorn reads it itself; 1 when unset).
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

# One access line per request, with the correlation id Tessera answered with; in JSON when the
# application logs in JSON (LOG_FORMAT), through the same formatter.
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms correlation_id=%({x-correlation-id}o)s'
if os.environ.get("LOG_FORMAT", "plain" if os.environ.get("DEBUG") == "1" else "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "tessera.log_context.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def child_exit(server, worker) -> None:
    """With PROMETHEUS_MULTIPROC_DIR (tessera/metrics.py), forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
