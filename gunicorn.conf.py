"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.
Every value can be overridden with a QHAWAQ_GUNICORN_* environment variable."""

import multiprocessing
import os

bind = os.environ.get("QHAWAQ_GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QHAWAQ_GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))

# Production with several workers needs shared rate-limit storage (Redis): refuse otherwise.
from app.config import Config, check_rate_limit_storage  # noqa: E402

check_rate_limit_storage(Config, workers)
# The app keeps public pages in the process only when it is the only one (app/core/page_cache.py).
os.environ["QHAWAQ_SERVER_WORKERS"] = str(workers)
threads = int(os.environ.get("QHAWAQ_GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("QHAWAQ_GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# Access log without query strings, and with the tokens of mailed links (reset, verify,
# unfollow) masked in every field: see app/core/gunicorn_logging.py.
accesslog = "-"
logger_class = "app.core.gunicorn_logging.MaskedTokenLogger"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
forwarded_allow_ips = os.environ.get("QHAWAQ_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
