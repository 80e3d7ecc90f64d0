"""Settings come from the environment; secrets have development defaults only under DEBUG;
production names every missing variable, and `check --deploy` is clean with the documented
production settings; every variable the code reads is listed in .env.example."""

import ast
import os
import re
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
    "PUBLIC_BASE_URL",
    "HOST",
    "PORT",
    "LOG_FORMAT",
    "SECURE_SSL_REDIRECT",
    "SENTRY_DSN",
}
# The production settings docs/operations.md documents ("Production settings"), secrets made up.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-secret-key-for-this-test-0123456789-abcdefghijklmnop",
    "VOUCHER_KEYS": "k1:" + "A" * 43 + "=",
    "VOUCHER_DIGEST_KEY": "digest-key-for-this-test",
    "TICKET_SIGNING_KEY": "ticket-key-for-this-test",
    "SANDBOX_PROVIDER_SECRET": "provider-secret-for-this-test",
    "PUBLIC_BASE_URL": "https://tessera.example.com",
}
# Apps and processes whose environment variables are Tessera's settings (tests and bench read
# their own knobs, documented where they are used).
CODE = ["config", "tessera", "orders", "payments", "suppliers", "ops", "manage.py", "gunicorn.conf.py"]
ENV_READERS = {"get", "getenv", "env_bool", "env_list", "env_required"}


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


def test_production_names_every_missing_variable_at_once():
    result = start_django(DEBUG="0", SECRET_KEY="s3cret-for-this-test")

    assert result.returncode != 0
    for name in ["VOUCHER_KEYS", "VOUCHER_DIGEST_KEY", "SANDBOX_PROVIDER_SECRET", "TICKET_SIGNING_KEY"]:
        assert f"{name} must be set when DEBUG is off" in result.stderr
    assert "SECRET_KEY must be set" not in result.stderr


def test_production_requires_the_public_base_url():
    result = start_django(**{**PRODUCTION, "PUBLIC_BASE_URL": ""})

    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be set when DEBUG is off" in result.stderr


def test_under_debug_customer_links_point_at_the_host_and_port_tessera_was_started_on():
    probe = PROBE.format("settings.PUBLIC_BASE_URL")

    assert start_django(probe, DEBUG="1").stdout.strip() == "http://127.0.0.1:8000"
    assert start_django(probe, DEBUG="1", HOST="0.0.0.0", PORT="8102").stdout.strip() == "http://0.0.0.0:8102"


def test_the_public_host_is_served_and_trusted_for_csrf():
    probe = PROBE.format("(settings.ALLOWED_HOSTS[-1], settings.CSRF_TRUSTED_ORIGINS)")

    assert (
        start_django(probe, **PRODUCTION).stdout.strip()
        == "('tessera.example.com', ['https://tessera.example.com'])"
    )


def test_check_deploy_prints_no_warning_with_the_documented_production_settings():
    result = start_django(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_logs_json_lines_and_development_plain_ones():
    probe = PROBE.format("settings.LOGGING['handlers']['console']['formatter']")

    assert start_django(probe, **PRODUCTION).stdout.strip() == "json"
    assert start_django(probe, DEBUG="1").stdout.strip() == "plain"
    assert start_django(probe, DEBUG="1", LOG_FORMAT="json").stdout.strip() == "json"


def variables_read_by_the_code() -> set[str]:
    """Names of the environment variables read in CODE: os.environ.get/[]/setdefault aside,
    os.getenv, and the settings' env_* helpers, each with a literal name."""
    names = set()
    files = [ROOT / path for path in CODE if (ROOT / path).is_file()]
    files += [f for path in CODE if (ROOT / path).is_dir() for f in (ROOT / path).rglob("*.py")]
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                function = node.func
                name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
                reads_env = name in {"env_bool", "env_list", "env_required", "getenv"} or (
                    name == "get" and ast.unparse(function.value) == "os.environ"
                )
                if reads_env and isinstance(node.args[0].value, str):
                    names.add(node.args[0].value)
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
                if isinstance(node.slice, ast.Constant):
                    names.add(node.slice.value)
    return names - {"DJANGO_SETTINGS_MODULE", "DJANGO_AUTORELOAD_ENV"}


def test_every_environment_variable_the_code_reads_is_in_env_example_and_the_operations_guide():
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    documented = set(
        re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", (ROOT / "docs/operations.md").read_text(), re.MULTILINE)
    )
    read = variables_read_by_the_code()

    assert len(read) > 50, "the scan found too few variables to be looking in the right places"
    assert sorted(read - listed) == []
    assert sorted(read - documented) == []
    assert sorted(listed - documented) == []
