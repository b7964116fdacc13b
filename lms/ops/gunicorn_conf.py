"""gunicorn settings for `make serve-prod` and production: `gunicorn -c python:lms.ops.gunicorn_conf wsgi:app`.

Workers come from WEB_CONCURRENCY (gunicorn reads it; default 2 here), the port from PORT. Threads let a
worker serve a slow client without blocking the others. On SIGTERM gunicorn stops accepting, lets every
request in progress finish (up to `graceful_timeout`) and then exits: a deploy or scale-in loses nothing.
Requests are logged by the app itself (lms/ops/requestlog.py: one JSON line with the request id), so
gunicorn's access log stays off.
"""

import os

bind = f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
timeout = 60
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = "info"
# The load balancer in front sets X-Forwarded-*; the app trusts them through PROXY_FIX_HOPS, not gunicorn.
forwarded_allow_ips = "127.0.0.1"
