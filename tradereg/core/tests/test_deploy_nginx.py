"""deploy/nginx.conf and deploy/tradereg-web.service, run as written (issue 10).

The test replaces only what cannot hold on a test machine — the addresses of the web
hosts, the ports, the certificate, the log and static paths (``REPLACED``) — wraps the
file in a minimal ``nginx.conf`` the way Debian's includes ``conf.d/``, and starts
Debian's nginx on loopback in front of gunicorn started with the unit's own ExecStart.
One of the two upstream hosts is down, as a web host may be. Needs Debian's nginx
(``nginx-light``, which .ci/run installs): skipped without it, failed when CI is set.
"""

import datetime
import http.client
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tradereg.audit.models import AuditEvent
from tradereg.conftest import free_port
from tradereg.notifications.tests.processes import ROOT, process_env, wait_until

DEPLOY = ROOT / "deploy"
NGINX = Path("/usr/sbin/nginx")
MIME_TYPES = Path("/etc/nginx/mime.types")
STATIC_FILE = "css/site.css"
# The client's own address on loopback, distinct from nginx's 127.0.0.1.
CLIENT_ADDRESS = "127.0.0.2"


@pytest.fixture
def nginx_binary() -> Path:
    if not NGINX.exists() or not MIME_TYPES.exists():
        message = "Debian's nginx is not installed (apt-get install nginx-light)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return NGINX


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tradereg.example.gov.cn")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "fullchain.pem", folder / "privkey.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


class Site:
    """deploy/nginx.conf in a temporary prefix, with the test's ports."""

    def __init__(self, folder: Path, *, web_port: int, down_port: int):
        self.folder = folder
        self.http_port, self.https_port = free_port(), free_port()
        cert, key = self_signed(folder)
        self.access_log = folder / "access.log"
        self.replaced = {
            "    server 10.0.1.11:8000 max_fails=3 fail_timeout=10s;\n": (
                f"    server 127.0.0.1:{down_port} max_fails=3 fail_timeout=10s;\n"
            ),
            "    server 10.0.1.12:8000 max_fails=3 fail_timeout=10s;\n": (
                f"    server 127.0.0.1:{web_port} max_fails=3 fail_timeout=10s;\n"
            ),
            "    server 10.0.1.13:8000 max_fails=3 fail_timeout=10s;\n": "",
            "listen 80;": f"listen 127.0.0.1:{self.http_port};",
            "listen 443 ssl http2;": f"listen 127.0.0.1:{self.https_port} ssl http2;",
            "/etc/ssl/tradereg/fullchain.pem": str(cert),
            "/etc/ssl/tradereg/privkey.pem": str(key),
            "/var/log/nginx/tradereg.access.log": str(self.access_log),
            "/srv/tradereg/static/": f"{ROOT / 'tradereg' / 'static'}/",
        }
        text = (DEPLOY / "nginx.conf").read_text()
        for old, new in self.replaced.items():
            assert text.count(old) == 1, f"deploy/nginx.conf no longer has {old!r} once"
            text = text.replace(old, new)
        (folder / "tradereg.conf").write_text(text)
        temp = " ".join(
            f"{kind}_temp_path {folder / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # What /etc/nginx/nginx.conf around conf.d/ gives: the test's own prefix.
        user = "user root;" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(
            f"{user}\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
            f"error_log {folder / 'error.log'};\nevents {{ worker_connections 64; }}\n"
            f"http {{\n include {MIME_TYPES};\n default_type application/octet-stream;\n"
            f" {temp}\n include {folder / 'tradereg.conf'};\n}}\n"
        )

    def log_text(self) -> str:
        return self.access_log.read_text() if self.access_log.exists() else ""

    def command(self, *args: str) -> list[str]:
        return [
            str(NGINX), "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
            "-e", str(self.folder / "error.log"), *args,
        ]  # fmt: skip


@pytest.fixture
def site_folder():
    # Outside pytest's tmp_path: nginx's workers must be able to enter it.
    folder = Path(tempfile.mkdtemp(prefix="nginx-test."))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_nginx_accepts_the_deploy_config(nginx_binary, site_folder):
    site = Site(site_folder, web_port=free_port(), down_port=free_port())
    done = subprocess.run(
        site.command("-t"), capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr


def web_command(port: int) -> list[str]:
    """The ExecStart of deploy/tradereg-web.service, with its variables set and the
    virtual environment's gunicorn in place of /srv/tradereg/venv's."""
    unit = (DEPLOY / "tradereg-web.service").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.MULTILINE)[1]
    values = {"WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "1"}
    words = [re.sub(r"\$\{(\w+)\}", lambda m: values[m[1]], w) for w in shlex.split(exec_start)]
    assert words[0] == "/srv/tradereg/venv/bin/gunicorn"
    return [sys.executable, "-m", "gunicorn", *words[1:]]


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = process_env(
        BEHIND_PROXY="1",
        TRUSTED_PROXIES="127.0.0.1",
        ALLOWED_HOSTS="127.0.0.1",
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("ab") as log:
        server = subprocess.Popen(
            web_command(port), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"

    def answering() -> bool:
        try:
            return requests.get(f"{base}/healthz", timeout=10).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(
            answering,
            within=60,
            what="gunicorn answering /healthz",
            explain=lambda: log_path.read_text(errors="replace")[-2000:],
        )
        yield port, log_path
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def nginx(nginx_binary, site_folder, gunicorn):
    web_port, _log = gunicorn
    site = Site(site_folder, web_port=web_port, down_port=free_port())
    server = subprocess.Popen(
        site.command("-g", "daemon off;"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def listening() -> bool:
        try:
            requests.get(f"http://127.0.0.1:{site.http_port}/", timeout=5, allow_redirects=False)
        except requests.RequestException:
            return False
        return True

    try:
        wait_until(
            listening,
            within=30,
            what="nginx listening",
            explain=lambda: (site_folder / "error.log").read_text(errors="replace"),
        )
        yield site
    finally:
        server.terminate()
        server.wait(timeout=30)


def https_get(site: Site, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """GET through nginx's TLS port from CLIENT_ADDRESS (the certificate is the test's)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection(
        "127.0.0.1", site.https_port, context=context, timeout=30,
        source_address=(CLIENT_ADDRESS, 0),
    )  # fmt: skip
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.headers), response.read()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_nginx_serves_the_project_through_gunicorn_with_a_web_host_down(nginx, gunicorn):
    _port, gunicorn_log = gunicorn

    # Every page answers although one of the two upstream hosts refuses connections: the
    # access log shows a request passed on from the host that is down to the other.
    for _ in range(4):
        status, _headers, body = https_get(nginx, "/")
        assert status == 200, body[-500:]
    passed_on = re.compile(r" 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+$", re.M)
    # nginx writes a request's log line after its answer: wait for the lines.
    wait_until(
        lambda: passed_on.search(nginx.log_text()),
        within=10,
        what="a request passed on from the host that is down",
        explain=nginx.log_text,
    )
    status, _headers, body = https_get(nginx, "/healthz")
    assert status == 200, body
    assert body.decode().splitlines()[0] in {"ok", "degraded"}

    # Static files come from disk, from nginx: gunicorn never sees them.
    status, headers, body = https_get(nginx, f"/static/{STATIC_FILE}")
    assert status == 200
    assert body == (ROOT / "tradereg" / "static" / STATIC_FILE).read_bytes()
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "max-age=3600"
    assert "/static/" not in gunicorn_log.read_text(errors="replace")

    # The client's address reaches the audit trail; one it claims for itself does not.
    status, _headers, _body = https_get(
        nginx, "/verify/ABCDE12345/", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert status == 404
    event = AuditEvent.objects.filter(event="form_verified").latest("id")
    assert event.ip_address == CLIENT_ADDRESS

    # A one-time link's token stays out of nginx's access log (the tradereg log format).
    https_get(nginx, "/accounts/claim/Zq7-one-time-token-Xv4/")
    wait_until(
        lambda: "/accounts/claim/" in nginx.log_text(),
        within=10,
        what="the claim request in the access log",
        explain=nginx.log_text,
    )
    assert "GET /accounts/claim/[hidden]" in nginx.log_text()
    assert "one-time-token" not in nginx.log_text()

    # Plain HTTP is sent to HTTPS.
    plain = requests.get(
        f"http://127.0.0.1:{nginx.http_port}/operators/", timeout=10, allow_redirects=False
    )
    assert plain.status_code == 301
    assert plain.headers["Location"] == "https://127.0.0.1/operators/"
