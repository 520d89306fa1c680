"""Guards for the namespace-package layout (see STYLE.md): each trap it has, tested."""

import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_platform_folder_never_shadows_the_standard_library():
    assert not (REPO / "platform" / "__init__.py").exists()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import platform; print(platform.__file__); print(platform.system())",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert not out[0].startswith(str(REPO)), out[0]
    assert out[1]


def _folder_of(package: str, package_dir: dict[str, str]) -> Path:
    root = max((p for p in package_dir if package == p or package.startswith(p + ".")), key=len)
    rest = package.removeprefix(root).strip(".")
    return REPO / package_dir[root] / Path(*rest.split(".")) if rest else REPO / package_dir[root]


def test_every_package_folder_is_listed_for_the_wheel():
    # An unlisted sub-package still imports in an editable install but is left out of a wheel.
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed, package_dir = set(config["packages"]), config["package-dir"]
    for package in listed:
        assert _folder_of(package, package_dir).is_dir(), package
    folders = {_folder_of(p, package_dir) for p in listed}
    for root in set(package_dir.values()):
        for init in (REPO / root).rglob("__init__.py"):
            assert init.parent in folders, f"{init.parent} is a package missing from pyproject"
