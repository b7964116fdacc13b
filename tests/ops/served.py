"""The portal served for real: gunicorn processes on loopback ports, and a small cookie-keeping client.

Used by the production tests (two instances behind one database and Redis, graceful shutdown). The
processes run with LMS_ENV=production against the test run's PostgreSQL database, so what the tests
create there must be committed (tests/bookings/race.py does that and cleans up).
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Instance:
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self, wait: float = 40) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=wait)


def start_gunicorn(database_url: str, redis_url: str, tmp_path: Path, *, workers: int = 2, threads: int = 4,
                   extra_env: dict[str, str] | None = None) -> Instance:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DATABASE"))},
        "LMS_ENV": "production", "SECRET_KEY": "two-instances-share-this-secret",
        "BASE_URL": "http://portal.example.test", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
        "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads),
        "GRACEFUL_TIMEOUT": "30", **(extra_env or {}),
    }
    log_path = tmp_path / f"gunicorn-{port}.log"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with log_path.open("wb") as log_file:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [str(gunicorn), "-c", "python:lms.ops.gunicorn_conf", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )
    instance = Instance(port, process, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{instance.log()}")
        try:
            status, _, _ = Client(instance.base).get("/readyz")
            if status == 200:
                return instance
        except OSError:
            pass
        time.sleep(0.2)
    instance.terminate()
    raise RuntimeError(f"gunicorn did not become ready on {port}:\n{instance.log()}")


@dataclass
class Client:
    """One browser, more or less: keeps its cookies (whatever their Secure flag: this is loopback) and can
    talk to any instance, which is what a load balancer without sticky sessions does."""

    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30

    def request(self, method: str, path: str, data: dict[str, str] | None = None, base: str | None = None,
                headers: dict[str, str] | None = None):
        url = urllib.parse.urlsplit(base or self.base)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=self.timeout)
        headers = {"Host": f"{url.hostname}:{url.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if cookie_value and "Expires=Thu, 01 Jan 1970" not in value:
                        self.cookies[name] = cookie_value
                    else:
                        self.cookies.pop(name, None)
            return response.status, dict(response.getheaders()), text
        finally:
            connection.close()

    def get(self, path: str, base: str | None = None):
        return self.request("GET", path, base=base)

    def csrf_token(self, path: str = "/login", base: str | None = None) -> str:
        status, _, text = self.get(path, base=base)
        match = CSRF.search(text)
        assert match, f"no CSRF token on {path} ({status})"
        return match.group(1)

    def post(self, path: str, data: dict[str, str], base: str | None = None, token_from: str | None = None):
        form = dict(data)
        form["csrf_token"] = self.csrf_token(token_from or path, base=base)
        return self.request("POST", path, data=form, base=base)

    def login(self, email: str, password: str, base: str | None = None):
        return self.post("/login", {"email": email, "password": password}, base=base)
