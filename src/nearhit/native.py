"""The guards compiled by mypyc, and the check that never lets a stale build run.

``make compile`` (opt-in, or ``COMPILE=1`` on ``make install``, ``demo``, ``test``, ``bench``) runs ``python -m
nearhit.native``: the guard modules are compiled into ``guards/_native/`` (git-ignored) beside a stamp of their
sources' hashes. ``nearhit.guards`` asks :func:`activate` on import: the compiled modules are put ahead of the
``.py`` files only when every compiled source still hashes as it did at compile time, for this Python. A guard
edited since (and run by pytest directly, not through make) runs as its ``.py``, with one warning telling to
run ``make compile``; never the old compiled code. ``NEARHIT_PURE_PYTHON=1`` forces the ``.py`` files.

A source whose size and modification time (ns) are still those the stamp recorded is not read again, as Python
trusts a ``.pyc``: hashing the 21 sources cost ~1.7 ms of CPU on every import. Any other source is hashed.

The build is all or nothing: a compiled module calls its compiled neighbours directly, so a mix of compiled and
pure guard modules is never imported. ``guard_set`` (the lru_cache wrappers and the configured set) and the
package's ``__init__`` stay interpreted: they are not on the per-pair path.
"""

from __future__ import annotations

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

__all__ = ["NATIVE_DIR", "PURE_ENV", "activate", "build", "compiled_modules", "main"]

GUARDS_DIR = Path(__file__).parent / "guards"
NATIVE_DIR = GUARDS_DIR / "_native"
STAMP = NATIVE_DIR / "BUILD.json"
PURE_ENV = "NEARHIT_PURE_PYTHON"
GROUP = "nearhit.guards.compiled"
"""The shared library's module name (``compiled__mypyc``), inside the package so that ``__path__`` finds it."""
GROUP_LIBRARY = GROUP.rsplit(".", 1)[1] + "__mypyc"
INTERPRETED = frozenset({"__init__", "guard_set"})


def compiled_modules() -> list[str]:
    """The guard modules mypyc compiles: every one but the package's ``__init__`` and ``guard_set``."""
    return sorted(path.stem for path in GUARDS_DIR.glob("*.py") if path.stem not in INTERPRETED)


def _digest(name: str) -> str:
    return hashlib.sha256((GUARDS_DIR / f"{name}.py").read_bytes()).hexdigest()


def _digests(modules: list[str]) -> dict[str, str]:
    return {name: _digest(name) for name in modules}


def _stats(modules: list[str]) -> dict[str, list[int]]:
    """Each source's size and modification time (ns): unchanged, it is not hashed again (:func:`_stale`)."""
    return {name: [(found := (GUARDS_DIR / f"{name}.py").stat()).st_size, found.st_mtime_ns] for name in modules}


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
        return f"{', '.join(f'guards/{name}.py' for name in changed)} changed since it was compiled"
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
    """The size of the file the build directory holds for each module name (one listing, not a glob per module)."""
    try:
        with os.scandir(NATIVE_DIR) as entries:
            return {entry.name.split(".")[0]: entry.stat().st_size for entry in entries if entry.is_file()}
    except OSError:
        return {}


def activate(package_path: MutableSequence[str]) -> str:
    """Put the compiled guards ahead of their ``.py`` files if they are current; say which build runs."""
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return f"pure Python ({PURE_ENV} set)"
    try:
        stamp = json.loads(STAMP.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "pure Python (not compiled: make compile)"
    except (OSError, ValueError) as exc:
        stamp = {"abi": f"an unreadable stamp ({exc})"}
    reason = _stale(stamp)
    if reason is not None:
        warnings.warn(
            f"nearhit.guards: the compiled guards are stale ({reason}): running the pure-Python guards; "
            "run `make compile` to rebuild them",
            RuntimeWarning,
            stacklevel=3,
        )
        return f"pure Python (stale compiled build ignored: {reason})"
    package_path.insert(0, str(NATIVE_DIR))
    return f"compiled by mypyc {stamp.get('mypyc')} at -O{stamp.get('opt')} ({len(stamp['sources'])} modules)"


def build(opt_level: str = "3", *, multi_file: bool = False) -> Path:
    """Compile the guard modules into ``guards/_native/`` and write its stamp, last: a build that fails leaves
    the one before it, which runs only while it matches the sources, or none."""
    from mypy.version import __version__ as mypy_version  # a dev dependency: only when compiling
    from mypyc.build import mypycify
    from setuptools import Distribution

    modules = compiled_modules()
    stats = _stats(modules)  # before the hashes: an edit after either makes the source differ from the stamp
    digests = _digests(modules)  # read before compiling: an edit during the build makes the stamp stale
    root = GUARDS_DIR.parent.parent  # src/
    work = Path(tempfile.mkdtemp(prefix="nearhit-mypyc-"))
    cwd = Path.cwd()
    os.chdir(root)  # mypy names the modules from the paths: nearhit.guards.<name>
    try:
        extensions = mypycify(
            [f"--cache-dir={work / 'mypy'}", *(str(Path("nearhit", "guards", f"{name}.py")) for name in modules)],
            opt_level=opt_level,
            multi_file=multi_file,
            group_name=GROUP,
            target_dir=str(work / "c"),
        )
        for extension in extensions:  # mypyc writes a dotted group's headers under its package's path
            extension.include_dirs.append(str(work / "c" / Path(*GROUP.split(".")[:-1])))
        dist = Distribution({"name": "nearhit-guards", "ext_modules": extensions})
        command = dist.get_command_obj("build_ext")
        command.build_lib = str(work / "lib")  # type: ignore[attr-defined]
        command.build_temp = str(work / "temp")  # type: ignore[attr-defined]
        command.parallel = os.cpu_count() or 1  # type: ignore[attr-defined]
        dist.run_command("build_ext")
        shutil.rmtree(NATIVE_DIR, ignore_errors=True)
        NATIVE_DIR.mkdir()
        for library in (work / "lib" / "nearhit" / "guards").glob("*" + str(sysconfig.get_config_var("EXT_SUFFIX"))):
            shutil.copy2(library, NATIVE_DIR / library.name)
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
    STAMP.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return STAMP


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
    """``python -m nearhit.native [-O1|-O2|-O3]``: compile the guards, or say once why the pure ones run."""
    args = sys.argv[1:] if argv is None else argv
    opt_level = next((arg[2:] for arg in args if arg.startswith("-O")), "3")
    reason = _no_compiler()
    if reason is not None:
        shutil.rmtree(NATIVE_DIR, ignore_errors=True)
        print(f"nearhit: {reason}: the guards run as pure Python (slower, the same answers)")
        return 0
    print(f"nearhit: compiling {len(compiled_modules())} guard modules with mypyc at -O{opt_level}", flush=True)
    build(opt_level, multi_file="--multi-file" in args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
