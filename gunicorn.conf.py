"""gunicorn settings for production: ``gunicorn -c gunicorn.conf.py wsgi:app``.
Every value can be overridden with a QHAWAQ_GUNICORN_* environment variable."""

import multiprocessing
import os

bind = os.environ.get("QHAWAQ_GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("QHAWAQ_GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("QHAWAQ_GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("QHAWAQ_GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
# Access log without query strings: links in mails carry tokens.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
forwarded_allow_ips = os.environ.get("QHAWAQ_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
