"""Draw the apps and the direction of their imports, from the code (``make architecture``).

The imports are read by grimp (import-linter's graph) from the packages of import-linter's
contract in pyproject.toml, and each layer of the contract is one rank of the drawing, so the
picture shows the rule and what the code does under it: an arrow for every pair of apps where one
imports the other, labelled with how many of its modules do. ``config`` (settings and URL
wiring, which may import every app) is left out of the drawing, not out of the contract.
"""

import tomllib
from collections import Counter
from pathlib import Path

import grimp
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

LEFT_OUT = {"config"}


def contract_layers(pyproject: Path) -> tuple[list[str], list[list[str]]]:
    """The contract's packages and its layers, top first (siblings of one layer in one list)."""
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c["type"] == "layers")
    layers = [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]
    return config["root_packages"], layers


def app_imports(packages: list[str]) -> Counter:
    """(importer, imported) app pairs, each counted once per importing module."""
    graph = grimp.build_graph(*packages, cache_dir=None)
    pairs = Counter()
    for module in graph.modules:
        importer = module.split(".")[0]
        imported = {name.split(".")[0] for name in graph.find_modules_directly_imported_by(module)}
        for app in imported - {importer}:
            pairs[importer, app] += 1
    return pairs


def dot(layers: list[list[str]], pairs: Counter) -> str:
    lines = [
        "digraph apps {",
        '  graph [rankdir=TB, nodesep=0.5, ranksep=0.6, fontname="Helvetica"];',
        '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", fontname="Helvetica"];',
        '  edge [color="#555555", fontname="Helvetica", fontsize=10];',
    ]
    layers = [[name for name in layer if name not in LEFT_OUT] for layer in layers]
    for layer in filter(None, layers):
        names = []
        for name in layer:
            label = name
            if apps.is_installed(name):
                label = f"{name}\\n{apps.get_app_config(name).verbose_name}"
            lines.append(f'  "{name}" [label="{label}"];')
            names.append(f'"{name}"')
        lines.append(f"  {{rank=same; {'; '.join(names)};}}")
    for (importer, imported), modules in sorted(pairs.items()):
        if importer in LEFT_OUT:
            continue
        lines.append(f'  "{importer}" -> "{imported}" [label="{modules}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = "Print the apps and their imports as Graphviz DOT (make architecture draws it)."

    def handle(self, *args, **options):
        packages, layers = contract_layers(Path(settings.BASE_DIR) / "pyproject.toml")
        self.stdout.write(dot(layers, app_imports(packages)), ending="")
