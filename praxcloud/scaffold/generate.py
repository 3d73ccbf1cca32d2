"""Writing a new plugin's distribution from the templates under ``template/``.

Each ``*.tmpl`` file is rendered with :class:`string.Template` (``${name}``
and friends, see :class:`~.names.PluginNames`; a literal dollar is ``$$``)
into the same relative path, where the path segments ``PACKAGE`` and
``NAME`` stand for the plugin's package and name and ``gitignore`` for
``.gitignore``. string.Template rather than Jinja2: the generated console
page is itself a Jinja2 template, and its ``{{ }}`` must come out as written.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path, PurePosixPath
from string import Template

from ..core.migrations import core_tenant_head
from .names import PluginNames, ScaffoldError, check_name

TEMPLATE_SUFFIX = ".tmpl"


def _template_files(root) -> list[PurePosixPath]:
    """Relative paths of every template under ``root`` (a directory Traversable)."""
    found: list[PurePosixPath] = []

    def walk(node, prefix: PurePosixPath) -> None:
        for child in node.iterdir():
            if child.is_dir():
                if child.name != "__pycache__":
                    walk(child, prefix / child.name)
            elif child.name.endswith(TEMPLATE_SUFFIX):
                found.append(prefix / child.name)

    walk(root, PurePosixPath())
    return sorted(found)


def _output_path(template: PurePosixPath, names: PluginNames) -> PurePosixPath:
    parts = []
    for part in template.parts:
        part = part.removesuffix(TEMPLATE_SUFFIX)
        if part == "PACKAGE":
            part = names.package
        elif part == "gitignore":
            part = ".gitignore"
        parts.append(part.replace("NAME", names.name))
    return PurePosixPath(*parts)


def template_values(names: PluginNames) -> dict[str, str]:
    # The generated first revision names the core's head as it is now: a
    # revision's dependencies never move once tenants have applied it.
    return {**names.as_template_values(), "core_head": core_tenant_head()}


def render_plugin(names: PluginNames) -> dict[PurePosixPath, str]:
    """The generated distribution as {relative path: text}, nothing written."""
    values = template_values(names)
    root = files(__package__) / "template"
    return {_output_path(path, names): Template(root.joinpath(*path.parts).read_text("utf-8"))
            .substitute(values)
            for path in _template_files(root)}


def default_directory(names: PluginNames, parent: Path | None = None) -> Path:
    return (parent or Path.cwd()) / names.distribution


def new_plugin(name: str, directory: Path | None = None) -> Path:
    """Write plugin ``name``'s distribution into ``directory`` (default ``./praxcloud-NAME``).

    Refuses an invalid or taken name and a ``directory`` that already exists
    (:class:`ScaffoldError`): nothing of someone's is ever overwritten.
    Returns the directory written.
    """
    names = check_name(name)
    target = Path(directory) if directory is not None else default_directory(names)
    if target.exists():
        raise ScaffoldError(f"{target} already exists: give a new folder with --directory, "
                            "or remove it first")
    rendered = render_plugin(names)
    # Into a sibling folder first, renamed at the end: a failure half-way
    # leaves no partial plugin where the user asked for one.
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = target.with_name(f".{target.name}.partial")
    if scratch.exists():
        raise ScaffoldError(f"{scratch} is in the way (left by an interrupted run): remove it")
    try:
        for relative, text in rendered.items():
            path = scratch.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        scratch.rename(target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target
