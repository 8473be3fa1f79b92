"""Scheduled white-label reports: due periods, folder and e-mail delivery over a real SMTP server
with STARTTLS and a login, branding in the HTML and the PDF, retries, and nothing sent twice."""

from __future__ import annotations

import email
import email.policy
import io
import socket
import subprocess
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from factories import make_batch
from tikscope import access
from tikscope.cli.main import main
from tikscope.delivery.run import deliver_due
from tikscope.delivery.schedules import (
    Cadence,
    Schedule,
    Status,
    add_schedule,
    deliveries,
    due_periods,
    period_of,
)
from tikscope.sources.tokens import TokenCipher
from tikscope.store.db import open_store
from tikscope.store.ingest import ingest

MADE = datetime(2026, 4, 28, 10)
"""A Tuesday: the first weekly period is 2026-04-27 to 2026-05-03, due 2026-05-04 08:00."""
DUE = datetime(2026, 5, 4, 8)
PASSWORD = "relay secret 42"
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")  # fmt: skip


def schedule(cadence: Cadence, created: datetime, hour: int = 8) -> Schedule:
    return Schedule(1, 1, "agency", "a", "casa_verde", "account", cadence, hour, "folder", "/x",
                    (), created)  # fmt: skip


def test_periods_are_weeks_from_monday_and_calendar_months() -> None:
    assert period_of(Cadence.WEEKLY, date(2026, 5, 3)) == (date(2026, 4, 27), date(2026, 5, 3))
    assert period_of(Cadence.WEEKLY, date(2026, 5, 4)) == (date(2026, 5, 4), date(2026, 5, 10))
    assert period_of(Cadence.MONTHLY, date(2026, 2, 14)) == (date(2026, 2, 1), date(2026, 2, 28))
    assert period_of(Cadence.MONTHLY, date(2026, 12, 31)) == (date(2026, 12, 1), date(2026, 12, 31))


def test_a_period_is_due_the_day_after_it_ends_at_the_schedules_hour() -> None:
    weekly = schedule(Cadence.WEEKLY, MADE)
    assert list(due_periods(weekly, DUE - timedelta(minutes=1))) == []
    assert list(due_periods(weekly, DUE)) == [(date(2026, 4, 27), date(2026, 5, 3))]
    three = list(due_periods(weekly, datetime(2026, 5, 18, 9)))
    assert [start for start, _ in three] == [date(2026, 4, 27), date(2026, 5, 4), date(2026, 5, 11)]
    monthly = schedule(Cadence.MONTHLY, MADE, hour=6)
    assert list(due_periods(monthly, datetime(2026, 5, 1, 5, 59))) == []
    assert list(due_periods(monthly, datetime(2026, 5, 1, 6))) == [
        (date(2026, 4, 1), date(2026, 4, 30))
    ]


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """casa_verde (daily data 2026-05-01 to 05) in workspace agency, branded "Verde Media"."""
    path = tmp_path / "store.duckdb"
    with open_store(path, create=True) as connection:
        ingest(connection, make_batch())
        access.create_workspace(connection, "agency", "Agency X", MADE)
        access.add_account(connection, "agency", "casa_verde")
    (tmp_path / "logo.png").write_bytes(PNG)
    assert main(["branding", "set", "--workspace", "agency", "--name", "Verde Media",
                 "--logo", str(tmp_path / "logo.png"), "--colour", "#C8285A",
                 "--db", str(path)]) == 0  # fmt: skip
    return path


def add(path: Path, **destination: Any) -> int:
    with open_store(path) as connection:
        return add_schedule(connection, workspace_id=1, account_id=account_id(path),
                            template="account", cadence=Cadence.WEEKLY, hour=8,
                            folder=destination.get("folder"),
                            recipients=destination.get("recipients", ()), now=MADE)  # fmt: skip


def account_id(path: Path) -> str:
    with open_store(path) as connection:
        return access.require_account_id(connection, "casa_verde")


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


def test_a_folder_schedule_writes_the_branded_report_once(store: Path, tmp_path: Path) -> None:
    add(store, folder=tmp_path / "reports")
    key = TokenCipher.from_key_file(tmp_path / "key")
    with open_store(store) as connection:
        first = deliver_due(connection, DUE, cipher=key)
        again = deliver_due(connection, DUE + timedelta(hours=3), cipher=key)
        recorded = deliveries(connection)
    assert [(o.status, o.period_start) for o in first] == [(Status.SENT, date(2026, 4, 27))]
    assert again == []
    assert [(d.status, d.attempts) for d in recorded] == [(Status.SENT, 1)]
    stem = tmp_path / "reports" / "casa_verde-account-2026-04-27_2026-05-03"
    html = (stem / "index.html").read_text("utf-8")
    assert "Verde Media" in html and "data:image/png;base64," in html and "#c8285a" in html
    assert "Generated by tikscope" not in html and "by tikscope" not in html
    text = pdf_text(stem.with_suffix(".pdf"))
    assert "Verde Media" in text and "@casa_verde" in text and "2026-04-27 to 2026-05-03" in text


def test_a_scheduled_media_kit_carries_the_workspaces_branding(store: Path, tmp_path: Path) -> None:
    with open_store(store) as connection:
        add_schedule(connection, workspace_id=1, account_id=account_id(store),
                     template="media-kit", cadence=Cadence.MONTHLY, hour=8,
                     folder=tmp_path / "kits", recipients=(), now=MADE)  # fmt: skip
        outcomes = deliver_due(connection, datetime(2026, 5, 1, 9), cipher=None)
    assert [(o.status, o.period_start) for o in outcomes] == [(Status.SENT, date(2026, 4, 1))]
    pdf = tmp_path / "kits" / "casa_verde-media-kit-2026-04-01_2026-04-30.pdf"
    text = pdf_text(pdf)
    assert "Verde Media" in text and "Prepared by Verde Media" in text
    assert "Made with tikscope" not in text


def test_a_scheduled_comments_report_is_the_comments_section_alone(
    store: Path, tmp_path: Path
) -> None:
    with open_store(store) as connection:
        add_schedule(connection, workspace_id=1, account_id=account_id(store),
                     template="comments", cadence=Cadence.WEEKLY, hour=8,
                     folder=tmp_path / "comments", recipients=(), now=MADE)  # fmt: skip
        outcomes = deliver_due(connection, DUE, cipher=None)
    assert [o.status for o in outcomes] == [Status.SENT]
    stem = tmp_path / "comments" / "casa_verde-comments-2026-04-27_2026-05-03"
    html = (stem / "index.html").read_text("utf-8")
    assert "Comments report for 2026-04-27 to 2026-05-03" in html and "<h2>Comments</h2>" in html
    assert "<h2>Community</h2>" not in html and 'class="overview"' not in html
    assert "Comments report" in pdf_text(stem.with_suffix(".pdf"))


def test_without_branding_the_report_says_tikscope(store: Path, tmp_path: Path) -> None:
    assert main(["branding", "clear", "--workspace", "agency", "--db", str(store)]) == 0
    add(store, folder=tmp_path / "plain")
    with open_store(store) as connection:
        deliver_due(connection, DUE, cipher=None)
    html = next((tmp_path / "plain").glob("*/index.html")).read_text("utf-8")
    assert "Generated by tikscope" in html and "Verde Media" not in html


class Inbox:
    """A real SMTP server (aiosmtpd) on localhost: STARTTLS required, then a login."""

    def __init__(self, directory: Path) -> None:
        self.messages: list[Message] = []
        self.port = free_port()
        self.cert = self_signed(directory)
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, directory / "key.pem")
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, tls_context=context,
            require_starttls=True, authenticator=self.authenticate, auth_require_tls=True,
        )  # fmt: skip

    @staticmethod
    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login == b"agency"
            and data.password == PASSWORD.encode()
        )
        return AuthResult(success=ok)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed(directory: Path) -> Path:
    """A certificate for 127.0.0.1 and its key (key.pem) in `directory`; returns cert.pem."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (directory / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))  # fmt: skip
    (directory / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return directory / "cert.pem"


def set_relay(store: Path, inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["mail", "set", "--host", "127.0.0.1", "--port", str(inbox.port),
                 "--from", "reports@verde.example", "--username", "agency", "--password-stdin",
                 "--ca-file", str(inbox.cert), "--key-file", str(tmp_path / "key"),
                 "--db", str(store)]) == 0  # fmt: skip


def test_a_mailed_report_arrives_once_with_its_pdf_over_starttls(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = Inbox(tmp_path)
    set_relay(store, inbox, tmp_path, monkeypatch)
    assert PASSWORD.encode() not in store.read_bytes()
    add(store, recipients=("client@example.com", "boss@example.com"))
    runs = ["schedules", "run", "--now", "2026-05-04T08:30", "--key-file", str(tmp_path / "key"),
            "--db", str(store)]  # fmt: skip
    inbox.controller.start()
    try:
        assert main(runs) == 0
        assert main(runs) == 0
    finally:
        inbox.controller.stop()
    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["Subject"].strip() == ("Verde Media: @casa_verde weekly account report, "
                                  "2026-04-27 to 2026-05-03")  # fmt: skip
    assert message["To"] == "client@example.com, boss@example.com"
    attachments = [part for part in message.walk() if part.get_filename()]
    assert [part.get_filename() for part in attachments] == [
        "casa_verde-account-2026-04-27_2026-05-03.pdf"
    ]
    content = attachments[0].get_payload(decode=True)
    assert isinstance(content, bytes) and content.startswith(b"%PDF")
    (tmp_path / "got.pdf").write_bytes(content)
    assert "Verde Media" in pdf_text(tmp_path / "got.pdf")


def test_a_failed_delivery_is_retried_later_and_sent_once(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = Inbox(tmp_path)
    set_relay(store, inbox, tmp_path, monkeypatch)
    add(store, recipients=("client@example.com",))
    key = TokenCipher.from_key_file(tmp_path / "key")
    with open_store(store) as connection:
        down = deliver_due(connection, DUE, cipher=key)  # the relay is not listening yet
        assert [o.status for o in down] == [Status.FAILED]
        assert (
            "cannot be reached" in down[0].detail and "next try 2026-05-04 08:05" in down[0].detail
        )
        assert deliver_due(connection, DUE + timedelta(minutes=4), cipher=key) == []
        inbox.controller.start()
        try:
            up = deliver_due(connection, DUE + timedelta(minutes=5), cipher=key)
            later = deliver_due(connection, DUE + timedelta(days=1), cipher=key)
        finally:
            inbox.controller.stop()
        recorded = deliveries(connection)
    assert [o.status for o in up] == [Status.SENT] and later == []
    assert [(d.status, d.attempts, d.error) for d in recorded] == [(Status.SENT, 2, None)]
    assert len(inbox.messages) == 1


def test_a_delivery_cut_off_mid_send_is_given_up_not_sent_twice(
    store: Path, tmp_path: Path
) -> None:
    add(store, folder=tmp_path / "out")
    with open_store(store) as connection:
        connection.execute(
            "INSERT INTO report_deliveries VALUES (1, DATE '2026-04-27', DATE '2026-05-03', "
            "'sending', 1, TIMESTAMP '2026-05-04 08:00', NULL, NULL, NULL, NULL)"
        )
        assert deliver_due(connection, DUE + timedelta(minutes=10), cipher=None) == []
        assert deliveries(connection)[0].status is Status.SENDING
        assert deliver_due(connection, DUE + timedelta(hours=1), cipher=None) == []
        cut = deliveries(connection)[0]
    assert cut.status is Status.GIVEN_UP and "not sent again" in (cut.error or "")
    assert not (tmp_path / "out").exists()


def test_schedule_commands_refuse_bad_input_with_a_clear_error(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [
        "schedules",
        "add",
        "--workspace",
        "agency",
        "--account",
        "casa_verde",
        "--db",
        str(store),
    ]
    cases = [
        ([*base, "--every", "day", "--folder", "x"], "--every: 'day' is not week or month"),
        (
            [*base, "--email", "not-an-address"],
            "--email: 'not-an-address' is not an e-mail address",
        ),
        ([*base], "give one destination"),
        ([*base, "--template", "poster", "--folder", "x"], "--template: 'poster' is not one of"),
        (
            [
                "branding",
                "set",
                "--workspace",
                "agency",
                "--name",
                "X",
                "--colour",
                "red",
                "--db",
                str(store),
            ],
            "--colour: 'red' is not a colour",
        ),
        (
            ["schedules", "retry", "9", "2026-04-27", "--db", str(store)],
            "schedule 9 has no delivery",
        ),
    ]
    for arguments, message in cases:
        assert main(arguments) in (1, 2), arguments
        error = capsys.readouterr().err
        assert message in error and "Traceback" not in error, (arguments, error)
    (tmp_path / "fake.png").write_bytes(b"GIF89a not a png")
    assert main(["branding", "set", "--workspace", "agency", "--name", "X", "--logo",
                 str(tmp_path / "fake.png"), "--db", str(store)]) == 2  # fmt: skip
    assert "not a PNG, JPEG or SVG image" in capsys.readouterr().err


def test_the_server_delivers_due_reports_by_itself(store: Path, tmp_path: Path) -> None:
    import json
    import os
    import re
    import signal
    import sys
    import time

    add(store, folder=tmp_path / "served")
    environment = {**os.environ, "TIKSCOPE_NOW": "2026-05-04T09:00:00",
                   "TIKSCOPE_KEY_FILE": str(tmp_path / "key")}  # fmt: skip
    command = [sys.executable, "-m", "tikscope.cli.main"]
    process = subprocess.Popen(
        [*command, "serve", "--db", str(store), "--port", "0"], env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        assert re.match(r"^tikscope serves ", process.stdout.readline())
        pdf = tmp_path / "served" / "casa_verde-account-2026-04-27_2026-05-03.pdf"
        deadline = time.monotonic() + 120
        while not pdf.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert pdf.exists(), "the server did not deliver the due report"
        rows: list[dict[str, Any]] = []
        while time.monotonic() < deadline:  # the record is written just after the file
            listed = subprocess.run(
                [*command, "schedules", "deliveries", "--format", "json", "--db", str(store)],
                env=environment, capture_output=True, text=True, check=True, timeout=60,
            )  # fmt: skip
            rows = json.loads(listed.stdout)
            if rows and rows[0]["status"] != "sending":
                break
        assert [(row["status"], row["attempts"]) for row in rows] == [("sent", 1)]
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
