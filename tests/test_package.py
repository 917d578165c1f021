"""What the installed package carries besides its code: its version and its type information."""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import ecredit_rules as ec
from ecredit_rules import cli as cli_module

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


def test_version_is_the_distributions() -> None:
    assert ec.__version__ == importlib.metadata.version("ecredit-rules")


def test_version_is_the_one_pyproject_declares() -> None:
    assert ec.__version__ == PYPROJECT_VERSION


def test_a_checkout_without_metadata_takes_its_version_from_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert ec._package_version() == PYPROJECT_VERSION


def test_version_is_exported() -> None:
    assert "__version__" in ec.__all__


def test_package_declares_it_is_typed() -> None:
    # PEP 561: type checkers read the package's annotations only when this marker ships with it.
    assert (Path(ec.__file__).parent / "py.typed").is_file()


def test_cli_version_is_the_packages() -> None:
    result = CliRunner().invoke(cli_module.cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.split()[-1] == ec.__version__
