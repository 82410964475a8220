"""The modules compiled by mypyc, and the check that never lets a stale build run.

``make compile`` (opt-in, or ``COMPILE=1`` on ``make install``, ``demo``, ``test``, ``bench``) runs ``python -m
nearhit.native``: the guard modules and the conversation's reading (:data:`CONVERSATION_READING`: the checks a
conversation's context stage runs on its turns) are compiled as one group, each package's into its ``_native/``
folder (git-ignored), the group's library and a stamp of every compiled source's hash into ``guards/_native/``.
``nearhit.guards`` and ``nearhit.cache`` ask :func:`activate` on import: the compiled modules are put ahead of the
``.py`` files only when every compiled source still hashes as it did at compile time, for this Python. A module
edited since (and run by pytest directly, not through make) runs as its ``.py``, with one warning telling to run
``make compile``; never the old compiled code. ``NEARHIT_PURE_PYTHON=1`` forces the ``.py`` files.

A source whose size and modification time (ns) are still those the stamp recorded is not read again, as Python
trusts a ``.pyc``: hashing the guards' 21 sources cost ~1.7 ms of CPU on every import. Any other source is hashed.

The build is all or nothing, decided once a process (:func:`_decided`), for both packages: a compiled module calls
its compiled neighbours directly, so a mix of compiled and pure modules is never imported. The packages'
``__init__``, ``guard_set`` (the lru_cache wrappers and the configured set) and the cache's other modules (Redis,
the lookup's stages, whose functions tests and benchmarks replace) stay interpreted.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import sys
import sysconfig
import tempfile
import warnings
from collections.abc import MutableSequence
from pathlib import Path

__all__ = [
    "CONVERSATION_READING",
    "PACKAGES",
    "PURE_ENV",
    "activate",
    "build",
    "check",
    "compiled_modules",
    "main",
    "native_dir",
]

NEARHIT_DIR = Path(__file__).parent
"""The folder of the packages compiled (``src/nearhit``)."""
PACKAGES = ("guards", "cache")
PURE_ENV = "NEARHIT_PURE_PYTHON"
GROUP = "nearhit.guards.compiled"
"""The shared library's module name (``compiled__mypyc``), inside the guards so that their ``__path__`` finds it."""
GROUP_LIBRARY = "guards." + GROUP.rsplit(".", 1)[1] + "__mypyc"
INTERPRETED_GUARDS = frozenset({"__init__", "guard_set"})
CONVERSATION_READING = (
    "answer_rests_on",
    "asides",
    "circumstance",
    "clause",
    "constraints",
    "conversation",
    "depends_on",
    "digression",
    "events",
    "exchanged",
    "measure",
    "modality",
    "near_copy",
    "negated",
    "other_ending",
    "persons",
    "story",
    "unsaid",
)
"""The cache's modules compiled: the pure text checks of a conversation's context stage (``conversation.differs``
and what it reads), where a fresh conversation's first look spends most of its CPU beyond a single question's."""


def compiled_modules() -> list[str]:
    """The modules mypyc compiles, as ``package.module``: every guard module but the package's ``__init__`` and
    ``guard_set``, and the cache's :data:`CONVERSATION_READING`."""
    guards = [f"guards.{path.stem}" for path in (NEARHIT_DIR / "guards").glob("*.py")]
    return sorted(
        [name for name in guards if name.split(".")[1] not in INTERPRETED_GUARDS]
        + [f"cache.{name}" for name in CONVERSATION_READING]
    )


def native_dir(package: str) -> Path:
    """The folder a package's compiled modules are in (the guards': the group's library and the stamp too)."""
    return NEARHIT_DIR / package / "_native"


def _stamp() -> Path:
    return native_dir("guards") / "BUILD.json"


def _source(name: str) -> Path:
    return NEARHIT_DIR / f"{name.replace('.', '/')}.py"


def _digest(name: str) -> str:
    return hashlib.sha256(_source(name).read_bytes()).hexdigest()


def _digests(modules: list[str]) -> dict[str, str]:
    return {name: _digest(name) for name in modules}


def _stats(modules: list[str]) -> dict[str, list[int]]:
    """Each source's size and modification time (ns): unchanged, it is not hashed again (:func:`_stale`)."""
    return {name: [(found := _source(name).stat()).st_size, found.st_mtime_ns] for name in modules}


def _abi() -> str:
    return f"{sys.implementation.cache_tag}{sysconfig.get_config_var('EXT_SUFFIX')}"


def _stale(stamp: dict[str, object]) -> str | None:
    """Why the compiled build must not run (``None``: it may)."""
    if stamp.get("abi") != _abi():
        return f"it was built for {stamp.get('abi')}, this is {_abi()}"
    built = stamp.get("sources")
    if not isinstance(built, dict):
        return "its stamp lists no sources"
    modules = compiled_modules()
    stats = stamp.get("stats")
    recorded = stats if isinstance(stats, dict) else {}
    now = _stats(modules)
    changed = [name for name in modules if recorded.get(name) != now[name] and built.get(name) != _digest(name)]
    changed += sorted(set(built) - set(modules))
    if changed:
        names = ", ".join(str(_source(name).relative_to(NEARHIT_DIR)) for name in changed)
        return f"{names} changed since it was compiled"
    # Each module's library and the group's, which they all load (without it, importing nearhit.guards failed),
    # of the size it was built: a library cut short (a partial copy, a full disk) failed the import likewise.
    libraries, sizes = _libraries(), stamp.get("libraries")
    missing = [name for name in [*modules, GROUP_LIBRARY] if name not in libraries]
    if missing:
        return f"{', '.join(missing)} not compiled"
    if not isinstance(sizes, dict):
        return "its stamp lists no libraries' sizes"
    cut = [name for name in [*modules, GROUP_LIBRARY] if libraries[name] != sizes.get(name)]
    if cut:
        return f"{', '.join(cut)} not of the size built"
    return None


def _libraries() -> dict[str, int]:
    """The size of the file each package's build folder holds for each module (``package.module``; one listing per
    package, not a glob per module)."""
    found: dict[str, int] = {}
    for package in PACKAGES:
        try:
            with os.scandir(native_dir(package)) as entries:
                found |= {f"{package}.{e.name.split('.')[0]}": e.stat().st_size for e in entries if e.is_file()}
        except OSError:
            continue
    return found


def check() -> tuple[bool, str]:
    """Whether the compiled build may run, and which build runs, said as ``nearhit.guards.BUILD`` says it."""
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return False, f"pure Python ({PURE_ENV} set)"
    try:
        stamp = json.loads(_stamp().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False, "pure Python (not compiled: make compile)"
    except (OSError, ValueError) as exc:
        stamp = {"abi": f"an unreadable stamp ({exc})"}
    reason = _stale(stamp)
    if reason is not None:
        return False, f"pure Python (stale compiled build ignored: {reason})"
    return True, f"compiled by mypyc {stamp.get('mypyc')} at -O{stamp.get('opt')} ({len(stamp['sources'])} modules)"


@functools.cache
def _decided() -> tuple[bool, str]:
    """:func:`check`, once a process, so that both packages run the same build; a stale build warned of once."""
    compiled, said = check()
    if said.startswith("pure Python (stale"):
        warnings.warn(
            f"nearhit: the compiled modules are stale ({said.split(': ', 1)[1][:-1]}): running the pure-Python "
            "modules; run `make compile` to rebuild them",
            RuntimeWarning,
            stacklevel=4,
        )
    return compiled, said


def activate(package_path: MutableSequence[str]) -> str:
    """Put a package's compiled modules ahead of its ``.py`` files (``package_path``: its ``__path__``, the folder
    named as in :data:`PACKAGES`) if the build is current; say which build runs."""
    package = Path(package_path[0]).name
    if package not in PACKAGES:
        raise ValueError(f"{package_path[0]}: not a compiled package ({', '.join(PACKAGES)})")
    compiled, said = _decided()
    if compiled:
        package_path.insert(0, str(native_dir(package)))
    return said


def build(opt_level: str = "3", *, multi_file: bool = False) -> Path:
    """Compile the modules into their packages' ``_native/`` and write the stamp, last: a build that fails leaves
    the one before it, which runs only while it matches the sources, or none."""
    from mypy.version import __version__ as mypy_version  # a dev dependency: only when compiling
    from mypyc.build import mypycify
    from setuptools import Distribution

    modules = compiled_modules()
    stats = _stats(modules)  # before the hashes: an edit after either makes the source differ from the stamp
    digests = _digests(modules)  # read before compiling: an edit during the build makes the stamp stale
    root = NEARHIT_DIR.parent  # src/
    work = Path(tempfile.mkdtemp(prefix="nearhit-mypyc-"))
    cwd = Path.cwd()
    os.chdir(root)  # mypy names the modules from the paths: nearhit.<package>.<name>
    try:
        extensions = mypycify(
            [f"--cache-dir={work / 'mypy'}", *(str(_source(name).relative_to(root)) for name in modules)],
            opt_level=opt_level,
            multi_file=multi_file,
            group_name=GROUP,
            target_dir=str(work / "c"),
        )
        for extension in extensions:  # mypyc writes a dotted group's headers under its package's path
            extension.include_dirs.append(str(work / "c" / Path(*GROUP.split(".")[:-1])))
        dist = Distribution({"name": "nearhit-native", "ext_modules": extensions})
        command = dist.get_command_obj("build_ext")
        command.build_lib = str(work / "lib")  # type: ignore[attr-defined]
        command.build_temp = str(work / "temp")  # type: ignore[attr-defined]
        command.parallel = os.cpu_count() or 1  # type: ignore[attr-defined]
        dist.run_command("build_ext")
        for package in PACKAGES:
            shutil.rmtree(native_dir(package), ignore_errors=True)
            native_dir(package).mkdir()
            for library in (work / "lib" / "nearhit" / package).glob("*" + str(sysconfig.get_config_var("EXT_SUFFIX"))):
                shutil.copy2(library, native_dir(package) / library.name)
    finally:
        os.chdir(cwd)
        shutil.rmtree(work, ignore_errors=True)
    stamp = {
        "abi": _abi(),
        "opt": opt_level,
        "multi_file": multi_file,
        "mypyc": mypy_version,
        "sources": digests,
        "stats": stats,
        "libraries": _libraries(),
    }
    _stamp().write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return _stamp()


def _no_compiler() -> str | None:
    """Why nothing can be compiled here (``None``: a C compiler and Python's headers are found)."""
    try:
        import mypyc  # noqa: F401
    except ImportError:
        return "mypyc is not installed (pip install 'mypy[mypyc]')"
    if not (Path(sysconfig.get_paths()["include"]) / "Python.h").exists():
        return f"Python's headers (Python.h) are not in {sysconfig.get_paths()['include']}"
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(os.environ.get("CC", compiler).split()[0]) is None:
        return f"no C compiler ({os.environ.get('CC', compiler)}) on PATH"
    return None


def main(argv: list[str] | None = None) -> int:
    """``python -m nearhit.native [-O1|-O2|-O3]``: compile the modules, or say once why the pure ones run."""
    args = sys.argv[1:] if argv is None else argv
    opt_level = next((arg[2:] for arg in args if arg.startswith("-O")), "3")
    reason = _no_compiler()
    if reason is not None:
        for package in PACKAGES:
            shutil.rmtree(native_dir(package), ignore_errors=True)
        print(f"nearhit: {reason}: the guards and the conversation's reading run as pure Python (slower, the same)")
        return 0
    modules = compiled_modules()
    print(
        f"nearhit: compiling {len(modules)} modules with mypyc at -O{opt_level} (the guards and the conversation's "
        "reading)",
        flush=True,
    )
    build(opt_level, multi_file="--multi-file" in args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
