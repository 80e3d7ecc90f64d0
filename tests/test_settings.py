"""Settings come from the environment; secrets have development defaults only under DEBUG."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = "import django; django.setup(); from django.conf import settings; print({})"
ENGINE = PROBE.format("settings.DATABASES['default']['ENGINE']")
SECRETS = {
    "DEBUG",
    "SECRET_KEY",
    "VOUCHER_KEYS",
    "VOUCHER_DIGEST_KEY",
    "SANDBOX_PROVIDER_SECRET",
    "TICKET_SIGNING_KEY",
    "PYTEST_VERSION",
    "DATABASE_URL",
}


def start_django(probe: str = ENGINE, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = start_django(DEBUG="0", VOUCHER_KEYS="k1:" + "A" * 43 + "=")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_voucher_keys():
    result = start_django(DEBUG="0", SECRET_KEY="s3cret-for-this-test")
    assert result.returncode != 0
    assert "VOUCHER_KEYS must be set" in result.stderr


def test_production_refuses_to_start_without_a_voucher_digest_key():
    result = start_django(DEBUG="0", SECRET_KEY="s3cret-for-this-test", VOUCHER_KEYS="k1:" + "A" * 43 + "=")
    assert result.returncode != 0
    assert "VOUCHER_DIGEST_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_a_payment_provider_secret():
    result = start_django(
        DEBUG="0",
        SECRET_KEY="s3cret-for-this-test",
        VOUCHER_KEYS="k1:" + "A" * 43 + "=",
        VOUCHER_DIGEST_KEY="digest-key-for-this-test",
    )
    assert result.returncode != 0
    assert "SANDBOX_PROVIDER_SECRET must be set" in result.stderr


def test_production_refuses_to_start_without_a_ticket_signing_key():
    result = start_django(
        DEBUG="0",
        SECRET_KEY="s3cret-for-this-test",
        VOUCHER_KEYS="k1:" + "A" * 43 + "=",
        VOUCHER_DIGEST_KEY="digest-key-for-this-test",
        SANDBOX_PROVIDER_SECRET="provider-secret-for-this-test",
    )
    assert result.returncode != 0
    assert "TICKET_SIGNING_KEY must be set" in result.stderr


def test_development_starts_on_sqlite_and_database_url_switches_to_postgres():
    assert start_django(DEBUG="1").stdout.strip() == "django.db.backends.sqlite3"
    on_postgres = start_django(DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/anything")
    assert on_postgres.stdout.strip() == "django.db.backends.postgresql"


def test_postgres_connections_prepare_statements_unless_switched_off_for_a_pooler():
    options = PROBE.format("settings.DATABASES['default']['OPTIONS']")
    postgres = {"DEBUG": "1", "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/anything"}

    default = start_django(options, **postgres).stdout.strip()
    switched_off = start_django(options, DB_PREPARE_THRESHOLD="", **postgres).stdout.strip()

    assert default == "{'server_side_binding': True, 'prepare_threshold': 5}"
    assert switched_off == "{'server_side_binding': True, 'prepare_threshold': None}"
