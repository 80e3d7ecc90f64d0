"""Every entry point imports first, in a fresh interpreter, with the admin's autodiscovery off.

A worker imports ``payments.tasks`` and a script may import a service before anything else; with
an import cycle between apps that raised ImportError, and worked only when the admin's
autodiscovery happened to import the modules in a lucky order. The apps' one-way dependencies
(import-linter's contract, ``make lint``) rule out cycles between apps; this checks the modules
really load on their own, each in a new process, as a worker or a script would load them.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Settings as in production, but with SimpleAdminConfig: nothing imports the admin modules first.
IMPORT_FIRST = """
import importlib, sys
import django
from django.conf import settings
import config.settings as base
values = {name: getattr(base, name) for name in dir(base) if name.isupper()}
values["INSTALLED_APPS"] = [
    "django.contrib.admin.apps.SimpleAdminConfig" if app == "django.contrib.admin" else app
    for app in base.INSTALLED_APPS
]
settings.configure(**values)
django.setup()
assert "orders.admin" not in sys.modules, "the admin was autodiscovered"
importlib.import_module(sys.argv[1])
"""


def _entry_points() -> list[str]:
    """Every app's tasks and every service module: what workers and scripts import first."""
    modules = [path.with_suffix("") for path in ROOT.glob("*/tasks.py")]
    modules += [path.with_suffix("") for path in ROOT.glob("*/services/*.py") if path.name != "__init__.py"]
    modules += [path.with_suffix("") for path in ROOT.glob("*/services.py")]
    return sorted(".".join(path.relative_to(ROOT).parts) for path in modules)


ENTRY_POINTS = _entry_points()


def test_the_known_entry_points_are_among_those_checked():
    assert {"payments.tasks", "payments.services.gateway", "orders.tasks", "suppliers.services"} <= set(
        ENTRY_POINTS
    )


@pytest.mark.parametrize("module", ENTRY_POINTS)
def test_a_module_imports_first_in_a_fresh_interpreter(module):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DEBUG": os.environ.get("DEBUG", "1")}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    done = subprocess.run(
        [sys.executable, "-c", IMPORT_FIRST, module], cwd=ROOT, env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr[-3000:]
