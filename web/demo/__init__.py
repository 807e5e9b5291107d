"""The demo center: its files and the seeded generator of its history and agents.

The files are ``data/`` in the repository, packaged inside the wheel; the generator is
:mod:`web.demo.synthetic`.

The files are package data of :mod:`web.demo`, found through :mod:`importlib.resources`, so they
are there however contact-wfm is installed: in a source checkout or an editable install,
``web/demo/center`` is a symlink to the repository's ``data/``; a wheel carries copies of them
(``targets.toml``, ``rules.toml``, ``agents.csv``, ``events.csv``, ``entities.toml``,
``README.md``), but never
``data/generated/``. The demo history is not package data: ``wfm demo`` draws it into its
output folder (:func:`web.demo.synthetic.ensure_demo_history`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path


@dataclass(frozen=True, slots=True)
class DemoCenterFiles:
    """Real filesystem paths of the demo center's input files."""

    targets_toml: Path
    rules_toml: Path
    agents_csv: Path
    events_csv: Path
    entities_toml: Path | None = None  # the center's entities, when it has an entities.toml

    @classmethod
    def in_folder(cls, folder: Path) -> DemoCenterFiles:
        """The files of a folder laid out like the repository's ``data/``."""
        entities = folder / "entities.toml"
        return cls(
            targets_toml=folder / "targets.toml",
            rules_toml=folder / "rules.toml",
            agents_csv=folder / "agents.csv",
            events_csv=folder / "events.csv",
            entities_toml=entities if entities.is_file() else None,
        )


def demo_center() -> Traversable:
    """The bundled demo center's folder, as an :mod:`importlib.resources` traversable.

    A real folder in every ordinary install; use :func:`demo_center_files` (or
    :func:`importlib.resources.as_file`) where a filesystem path is needed.
    """
    return files(__name__) / "center"


@contextmanager
def demo_center_files() -> Iterator[DemoCenterFiles]:
    """Filesystem paths of the demo center's files, valid inside the ``with`` block.

    When the package is installed as ordinary files (always, for a wheel installed with pip)
    these are the installed files themselves; from a zipped package they are temporary copies,
    removed when the block ends.

    Raises
    ------
    FileNotFoundError
        A file is missing from the installed package (a broken install).
    """
    center = demo_center()
    with ExitStack() as stack:

        def path(name: str) -> Path:
            resource = center / name
            if not resource.is_file():
                raise FileNotFoundError(f"demo center file {name!r} is not installed ({resource})")
            return stack.enter_context(as_file(resource))

        yield DemoCenterFiles(
            targets_toml=path("targets.toml"),
            rules_toml=path("rules.toml"),
            agents_csv=path("agents.csv"),
            events_csv=path("events.csv"),
            entities_toml=path("entities.toml"),
        )


__all__ = ["DemoCenterFiles", "demo_center", "demo_center_files"]
