"""Import first in a benchmark: puts the project on the path and starts Django with
production-like settings (DEBUG off, so no query log; rate limits out of the way), and sets the
garbage collector as every gunicorn worker does (config/wsgi.py); BENCH_DEFAULT_GC=1 keeps
Python's defaults instead, to compare."""

import os
import sys
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")
os.environ.setdefault("VOUCHER_KEYS", "bench:dGVzc2VyYS1kZXYtb25seS12b3VjaGVyLWtleS0zMmI=")
os.environ.setdefault("VOUCHER_DIGEST_KEY", "bench-only-voucher-digest-key")
os.environ.setdefault("SANDBOX_PROVIDER_SECRET", "bench-only-provider-secret")
os.environ.setdefault("TICKET_SIGNING_KEY", "bench-only-ticket-signing-key")
os.environ.setdefault("API_RATE_LIMIT", "1000000/min")
# Benchmarks speak plain HTTP on loopback: no redirect to https, links to the local server.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
django.setup()

if not os.environ.get("BENCH_DEFAULT_GC"):
    from tessera.garbage_collection import settle_after_startup

    settle_after_startup()
