"""Where webhook deliveries may go, and how they get there.

- Registration needs no DNS: literal addresses (and names that can only be local) are checked at
  once; a name is resolved and every address checked before each delivery.
- IPv6 addresses that carry an IPv4 address (6to4, NAT64, Teredo, mapped, compatible) are judged
  by that IPv4 address too: 2002:c0a8:101:: is 192.168.1.1.
- With an environment proxy the delivery goes through it (the proxy resolves the name).
- HTTPS to a checked address still verifies the certificate against the URL's name (SNI too).
- The redacted URL hides path segments that may be tokens.
"""

import datetime
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from publishing.access import Actor
from publishing.models import Pin, PinStatus, Webhook, WebhookDelivery
from publishing.services.errors import ValidationError
from publishing.services.pins import pin_create
from publishing.services.webhooks import (
    webhook_create,
    webhook_delivery_attempt,
    webhook_event_emit,
    webhook_signature,
    webhook_url_redacted,
)
from tests.pipeline_fixtures import pin_payload

SECRET = "whsec-0123456789abcdef"
PUBLIC_ADDRESS = "93.184.215.14"  # what the fake DNS answers for the receiver's name


@pytest.fixture
def published_pin(workspace, cast, offline_account, offline_board):
    pin = pin_create(actor=Actor.for_user(cast.manager, workspace), source="api",
                     data=pin_payload(offline_account, offline_board))
    Pin.objects.filter(pk=pin.pk).update(status=PinStatus.PUBLISHED, pinterest_pin_id="813000000000000001")
    pin.refresh_from_db()
    return pin


@pytest.fixture(autouse=True)
def checked_targets(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


def fake_dns(monkeypatch, names: dict[str, tuple[str, int | None]]):
    """Answer ``name -> (address, port or None)`` for the names given; everything else resolves
    as usual. Records each lookup of a given name."""
    real = socket.getaddrinfo
    lookups = []

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            lookups.append(host)
            address, answer_port = names[host]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (
                (address, answer_port or port, 0, 0) if family == socket.AF_INET6 else (address, answer_port or port)
            )
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


# --- registration: no DNS, literal addresses checked -------------------------------------------


@pytest.mark.parametrize("host", [
    "[2002:c0a8:101::1]",        # 6to4 of 192.168.1.1
    "[2002:7f00:1::1]",          # 6to4 of 127.0.0.1
    "[64:ff9b::a9fe:a9fe]",      # NAT64 of 169.254.169.254 (cloud metadata)
    "[64:ff9b::7f00:1]",         # NAT64 of 127.0.0.1
    "[64:ff9b:1::a00:1]",        # local-use NAT64
    "[::ffff:10.0.0.1]",         # IPv4-mapped
    "[::127.0.0.1]",             # IPv4-compatible
    "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",  # Teredo
    "localhost", "hooks.localhost",
])
def test_ipv6_forms_of_private_addresses_and_local_names_are_refused(workspace, cast, host):
    with pytest.raises(ValidationError) as refused:
        webhook_create(actor=Actor.for_user(cast.admin, workspace), url=f"http://{host}/hook", secret=SECRET)
    assert (refused.value.field, refused.value.code) == ("url", "webhook_target_not_allowed")


@pytest.mark.parametrize("host", ["[2002:808:808::1]", "[64:ff9b::808:808]", "[2606:4700::1111]", "8.8.8.8"])
def test_ipv6_forms_of_public_addresses_are_accepted(workspace, cast, host):
    assert webhook_create(actor=Actor.for_user(cast.admin, workspace), url=f"http://{host}/hook", secret=SECRET)


def test_registering_a_name_does_not_resolve_it(workspace, cast, monkeypatch):
    lookups = fake_dns(monkeypatch, {"hooks.example.com": ("127.0.0.1", None)})
    webhook = webhook_create(actor=Actor.for_user(cast.admin, workspace), url="https://hooks.example.com/in",
                             secret=SECRET)
    assert webhook.pk and lookups == []


def test_a_name_resolving_to_a_6to4_private_address_is_not_delivered_to(workspace, published_pin, monkeypatch):
    lookups = fake_dns(monkeypatch, {"hooks.sixtofour.test": ("2002:c0a8:101::1", None)})
    Webhook.objects.create(workspace=workspace, url="http://hooks.sixtofour.test/hook", secret=SECRET,
                           events=["pin.published"])
    [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")

    webhook_delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert lookups == ["hooks.sixtofour.test"]
    assert "private" in delivery.last_error and "2002:c0a8:101::1" in delivery.last_error


# --- through an environment proxy ---------------------------------------------------------------


class RecordingProxy:
    """A forward HTTP proxy in a thread that answers every request itself (204) and records the
    absolute-form request line it got: what a real egress proxy would forward."""

    def __init__(self):
        proxy = self
        self.requests: list[tuple[str, dict, bytes]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                proxy.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_with_an_environment_proxy_the_delivery_goes_through_it(workspace, published_pin, monkeypatch):
    proxy = RecordingProxy()
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        # A name this machine cannot resolve: only the proxy could.
        Webhook.objects.create(workspace=workspace, url="http://hooks.behind-proxy.invalid.test/in?x=1",
                               secret=SECRET, events=["pin.published"])
        [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")

        assert webhook_delivery_attempt(delivery_id=delivery.pk) == WebhookDelivery.Status.DELIVERED

        [(target, headers, body)] = proxy.requests
        assert target == "http://hooks.behind-proxy.invalid.test/in?x=1"
        assert headers["x-pinbridge-signature"] == webhook_signature(SECRET, body)
    finally:
        proxy.close()


def test_a_proxy_does_not_lift_the_check_of_literal_addresses(workspace, published_pin, monkeypatch):
    proxy = RecordingProxy()
    try:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        Webhook.objects.create(workspace=workspace, url="http://[2002:a9fe:a9fe::1]/latest/meta-data",
                               secret=SECRET, events=["pin.published"])
        [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")
        webhook_delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert "private" in delivery.last_error and proxy.requests == []
    finally:
        proxy.close()


# --- HTTPS to the checked address ---------------------------------------------------------------


def _certificate(subject_name: str, issuer_name: str, key, signing_key, *, ca: bool, dns_name: str | None = None):
    # OpenSSL checks validity against the real clock, not the suite's (PINBOARD_TEST_CLOCK may shift
    # Python's): a window of years either side holds whatever the test clock says.
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=3650))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if dns_name:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


class TlsReceiver:
    """An HTTPS receiver in a thread with a certificate for ``certificate_name`` issued by a test
    CA (written to ``ca_file``); it records the SNI name each client sent and the Host header."""

    def __init__(self, tmp_path, certificate_name: str):
        ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        ca_cert = _certificate("Pinboard test CA", "Pinboard test CA", ca_key, ca_key, ca=True)
        cert = _certificate(certificate_name, "Pinboard test CA", key, ca_key, ca=False, dns_name=certificate_name)
        self.ca_file = tmp_path / "ca.pem"
        self.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        chain, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
        chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(chain, key_file)
        self.sni_names: list[str | None] = []
        context.sni_callback = lambda sock, name, ctx: self.sni_names.append(name)
        receiver = self
        self.hosts: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # the http.server API
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.hosts.append(self.headers.get("Host"))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _deliver_over_tls(tmp_path, monkeypatch, workspace, published_pin, certificate_name: str):
    receiver = TlsReceiver(tmp_path, certificate_name)
    monkeypatch.setenv("SSL_CERT_FILE", str(receiver.ca_file))  # trust the test CA
    # The name resolves to a public address (checked); that address routes to the local receiver.
    lookups = fake_dns(monkeypatch, {"hooks.tls.test": (PUBLIC_ADDRESS, None),
                                     PUBLIC_ADDRESS: ("127.0.0.1", receiver.port)})
    Webhook.objects.create(workspace=workspace, url=f"https://hooks.tls.test:{receiver.port}/in", secret=SECRET,
                           events=["pin.published"])
    [delivery] = webhook_event_emit(pin=published_pin, event="pin.published")
    status = webhook_delivery_attempt(delivery_id=delivery.pk)
    receiver.close()
    delivery.refresh_from_db()
    return receiver, lookups, status, delivery


def test_https_to_the_checked_address_verifies_the_certificate_for_the_urls_name(
        tmp_path, monkeypatch, workspace, published_pin):
    receiver, lookups, status, delivery = _deliver_over_tls(tmp_path, monkeypatch, workspace, published_pin,
                                                            "hooks.tls.test")
    assert status == WebhookDelivery.Status.DELIVERED, delivery.last_error
    assert receiver.sni_names == ["hooks.tls.test"]
    assert receiver.hosts == [f"hooks.tls.test:{receiver.port}"]
    assert lookups == ["hooks.tls.test", PUBLIC_ADDRESS]  # the name once (the check), then the checked address


def test_https_refuses_a_certificate_for_another_name(tmp_path, monkeypatch, workspace, published_pin):
    receiver, _, status, delivery = _deliver_over_tls(tmp_path, monkeypatch, workspace, published_pin,
                                                      "someone-else.test")
    assert status == WebhookDelivery.Status.PENDING and delivery.last_error.startswith("ConnectError")
    assert receiver.hosts == []


# --- redaction --------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "redacted"), [
    ("https://hooks.slack.com/services/T0AB12CD/B0XY9876/Zq8sXk2LpQ4vT7wNabcdEFGH",
     "https://hooks.slack.com/services/…/…/…"),
    ("https://discord.com/api/webhooks/112233445566778899/AbCdEf-GhIjKl_MnOpQrStUvWxYz0123456789",
     "https://discord.com/api/webhooks/…/…"),
    ("https://hooks.zapier.com/hooks/catch/1234567/abc1def/", "https://hooks.zapier.com/hooks/catch/…/…/"),
    ("https://example.com/in/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "https://example.com/in/…"),
    ("https://example.com/in/%73ecret", "https://example.com/in/…"),
    ("https://example.com/webhooks/pinboard-events", "https://example.com/webhooks/pinboard-events"),
])
def test_path_segments_that_may_be_tokens_are_redacted(url, redacted):
    assert webhook_url_redacted(url) == redacted
