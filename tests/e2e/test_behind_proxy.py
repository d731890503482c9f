"""The service behind a real reverse proxy (quality.md, "behind a reverse proxy"): Debian's nginx,
started by the test on loopback with a self-signed certificate, in front of `jht serve
--forwarded-allow-ips 127.0.0.1`. Clients come from different loopback addresses (127.0.0.2,
127.0.0.3), as different people would. Checked: limits count the real client (and a client's
own X-Forwarded-For changes nothing), cookies are Secure with the `__Host-` prefix, the forms
work over https, HSTS is sent, an unknown Host is refused."""

from __future__ import annotations

import csv
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.browser.test_pages_http import apply_form
from tests.e2e.serving import JHT, free_port, jht_env, wait_until_healthy
from tests.support import sample

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
OPENSSL = shutil.which("openssl")

pytestmark = pytest.mark.skipif(
    not Path(NGINX).exists() or OPENSSL is None,
    reason="needs Debian's nginx and openssl (apt-get install nginx)",
)

NGINX_CONF = """
daemon off;
master_process on;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    server {{
        listen 127.0.0.1:{public_port} ssl;
        server_name 127.0.0.1;
        ssl_certificate {folder}/cert.pem;
        ssl_certificate_key {folder}/key.pem;
        location / {{
            proxy_pass http://127.0.0.1:{service_port};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@dataclass
class ProxiedService:
    base_url: str
    certificate: Path
    data_dir: Path

    def sample(self, label: str) -> dict[str, str]:
        """The sample participant `label` as this service loaded it (on its own day)."""
        kpj = sample(label)["kpj"]
        with (self.data_dir / "samples" / "participants.csv").open(newline="") as handle:
            row = next(row for row in csv.DictReader(handle) if row["kpj"] == kpj)
        return {**row, "_branch": sample(label)["_branch"]}

    def client(self, from_address: str) -> httpx.Client:
        """A browser-like client connecting from `from_address` (a loopback address)."""
        context = ssl.create_default_context(cafile=str(self.certificate))
        transport = httpx.HTTPTransport(local_address=from_address, verify=context)
        return httpx.Client(base_url=self.base_url, transport=transport, timeout=30)


def self_signed_certificate(folder: Path) -> None:
    subprocess.run(
        [
            str(OPENSSL),
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(folder / "key.pem"),
            "-out",
            str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[ProxiedService]:
    proxy_folder = tmp_path / "nginx"
    proxy_folder.mkdir()
    self_signed_certificate(proxy_folder)
    service_port, public_port = free_port(), free_port()
    base_url = f"https://127.0.0.1:{public_port}"
    env = jht_env(tmp_path / "var", JHT_SANDBOX="true", JHT_PUBLIC_URL=base_url)
    service = subprocess.Popen(
        [JHT, "serve", "--port", str(service_port), "--forwarded-allow-ips", "127.0.0.1"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    config = proxy_folder / "nginx.conf"
    config.write_text(
        NGINX_CONF.format(folder=proxy_folder, public_port=public_port, service_port=service_port)
    )
    proxy = subprocess.Popen(
        [NGINX, "-p", str(proxy_folder), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_healthy(f"http://127.0.0.1:{service_port}", service)
        proxied = ProxiedService(base_url, proxy_folder / "cert.pem", tmp_path / "var")
        deadline = time.monotonic() + 30
        while True:
            try:
                with proxied.client("127.0.0.1") as probe:
                    if probe.get("/healthz").status_code == 200:
                        break
            except httpx.HTTPError:
                if proxy.poll() is not None or time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        yield proxied
    finally:
        proxy.terminate()
        service.terminate()
        proxy.wait(timeout=20)
        service.wait(timeout=20)


def form_token(page: httpx.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match is not None, page.text[:500]
    return match.group(1)


def test_behind_nginx_over_https(proxied: ProxiedService) -> None:
    row = proxied.sample("resignation: left 3 months ago")
    with proxied.client("127.0.0.2") as browser:
        # Cookies over https: Secure, host-only (__Host-), HttpOnly; HSTS on every answer.
        form = browser.get("/apply")
        assert form.status_code == 200
        assert form.headers["strict-transport-security"] == "max-age=31536000"
        csrf_cookie = form.headers["set-cookie"]
        assert csrf_cookie.startswith("__Host-jht_csrf=")
        assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie
        # The form works: the browser's https Origin is the service's own.
        created = browser.post(
            "/apply",
            data=apply_form(row, form_token(form)),
            headers={"Origin": proxied.base_url},
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text[:2000]
        claim_cookie = created.headers["set-cookie"]
        assert claim_cookie.startswith("__Host-jht_claim=") and "Secure" in claim_cookie
        claim_page = browser.get(created.headers["location"])
        assert claim_page.status_code == 200 and row["full_name"] in claim_page.text
        assert claim_page.headers["strict-transport-security"] == "max-age=31536000"

    # Limits per real client: 10 tracking lookups a minute from 127.0.0.2, whatever
    # X-Forwarded-For it sends itself; 127.0.0.3 is another person and is not held back.
    tracking = f"/api/v1/tracking/{row['kpj']}"
    with proxied.client("127.0.0.2") as first, proxied.client("127.0.0.3") as second:
        answers = [
            first.get(tracking, headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
            for n in range(11)
        ]
        assert 429 not in answers[:10] and answers[10] == 429
        assert second.get(tracking).status_code == 200

    # A Host that is not the service's: refused, never echoed into a redirect.
    with proxied.client("127.0.0.4") as stranger:
        foreign = stranger.get("/docs/", headers={"Host": "evil.example"})
        assert foreign.status_code == 400
        assert foreign.json()["code"] == "unknown_host"
        assert "evil.example" not in foreign.headers.get("location", "")
