"""A user's project on disk, as `build.py app` takes one: pyproject.toml and a package.
Shared by the build's unit tests and the built apps' browser tests."""

import json
import textwrap
from pathlib import Path

__all__ = ["make_project"]


def make_project(folder: Path, name: str, dependencies: list[str], files: dict[str, str | bytes], main: str | None = None,
                 package_data: str = "") -> Path:
    """A project as a user writes one: pyproject.toml and a package."""
    package = name.replace("-", "_")
    folder.mkdir(parents=True, exist_ok=True)
    tool = f'[tool.pyapp]\nmain = "{main}"\n' if main else ""
    data = f'[tool.setuptools.package-data]\n{package} = ["{package_data}"]\n' if package_data else ""
    (folder / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{name}"
        version = "1.0.0"
        dependencies = {json.dumps(dependencies)}

        [tool.setuptools]
        packages = ["{package}"]
        """) + data + tool)
    for path, content in {"__init__.py": "", **files}.items():
        target = folder / package / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content)
    return folder
