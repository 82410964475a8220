"""The guards compiled by mypyc run only while they match their sources: an edited guard runs as its ``.py``, with
a warning, never as the old compiled code (``nearhit.native``); and a compiled build says what the pure one says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from nearhit import native
from nearhit.guards import BUILD
from nearhit.guards.text import analyse

COMPILED = BUILD.startswith("compiled")
SRC = Path(native.__file__).parent.parent
ROOT = Path(__file__).parent.parent.parent


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the guards' sources, to edit (``native.GUARDS_DIR`` points at it)."""
    copy = tmp_path / "guards"
    shutil.copytree(native.GUARDS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__", "_native", "data"))
    monkeypatch.setattr(native, "GUARDS_DIR", copy)
    return copy


@pytest.fixture
def fake_build(tmp_path: Path, sources: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A build directory whose stamp matches the sources as they are (a file per module, no real code), as
    ``native.build`` writes it."""
    build = tmp_path / "_native"
    build.mkdir()
    monkeypatch.setattr(native, "NATIVE_DIR", build)
    monkeypatch.setattr(native, "STAMP", build / "BUILD.json")
    monkeypatch.delenv(native.PURE_ENV, raising=False)
    modules = native.compiled_modules()
    for name in [*modules, native.GROUP_LIBRARY]:  # the modules' libraries and the group's
        (build / f"{name}{sysconfig.get_config_var('EXT_SUFFIX')}").write_bytes(b"\x7fELF" + bytes(60))
    stamp = {
        "abi": native._abi(),
        "mypyc": "x",
        "sources": native._digests(modules),
        "stats": native._stats(modules),
        "libraries": native._libraries(),
    }
    (build / "BUILD.json").write_text(json.dumps(stamp))
    return build


def test_a_current_build_goes_ahead_of_the_sources(fake_build: Path) -> None:
    path = ["guards"]
    assert native.activate(path).startswith("compiled")
    assert path == [str(fake_build), "guards"]


def test_a_source_touched_but_unchanged_keeps_the_build(fake_build: Path, sources: Path) -> None:
    """Its time differs from the stamp's (a checkout): it is hashed, and its hash is the stamp's."""
    os.utime(sources / "text.py", ns=(1, 1))
    assert native.activate([]).startswith("compiled")


@pytest.mark.parametrize(
    "edit", ["source", "same size", "old stamp", "abi", "module", "group", "truncated", "unsized stamp"]
)
def test_a_stale_build_is_left_out_with_a_warning(fake_build: Path, sources: Path, edit: str) -> None:
    stamp = json.loads((fake_build / "BUILD.json").read_text())
    text = sources / "text.py"
    if edit == "source":  # a guard edited since
        text.write_text(text.read_text() + "\n# an edit\n")
    elif edit == "same size":  # one character changed: its size is the stamp's, its time and hash are not
        size = text.stat().st_size
        text.write_text(text.read_text().replace("(", "[", 1))
        assert text.stat().st_size == size
    elif edit == "old stamp":  # a stamp with no sizes and times (written before them): every source hashed
        del stamp["stats"]
        text.write_text(text.read_text() + "\n# an edit\n")
    elif edit == "abi":  # another Python
        stamp["abi"] = "cpython-312.cpython-312-x86_64-linux-gnu.so"
    elif edit == "module":  # a module compiled then that no longer exists, or one not compiled
        (fake_build / f"scope{sysconfig.get_config_var('EXT_SUFFIX')}").unlink()
    elif edit == "group":  # the group's library gone (a partial copy): importing nearhit.guards failed
        (fake_build / f"{native.GROUP_LIBRARY}{sysconfig.get_config_var('EXT_SUFFIX')}").unlink()
    elif edit == "truncated":  # a library cut short (a partial copy, a full disk): the import failed likewise
        (fake_build / f"text{sysconfig.get_config_var('EXT_SUFFIX')}").write_bytes(b"\x7fELF")
    else:  # a stamp written before the libraries' sizes: rebuilt once
        del stamp["libraries"]
    (fake_build / "BUILD.json").write_text(json.dumps(stamp))
    path = ["guards"]
    with pytest.warns(RuntimeWarning, match="make compile"):
        assert native.activate(path).startswith("pure Python (stale")
    assert path == ["guards"]


def test_the_pure_modules_when_asked_or_never_compiled(fake_build: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.PURE_ENV, "1")
    path = ["guards"]
    assert native.activate(path) == f"pure Python ({native.PURE_ENV} set)"
    monkeypatch.delenv(native.PURE_ENV)
    (fake_build / "BUILD.json").unlink()
    assert native.activate(path).startswith("pure Python (not compiled")
    assert path == ["guards"]


def _imported(src: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    code = "import nearhit.guards as g, nearhit.guards.text as t; print(g.BUILD); print(t.__file__)"
    environ = {name: value for name, value in os.environ.items() if name != native.PURE_ENV}
    environ.update({"PYTHONPATH": str(src), **(env or {})})
    return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True)


def _built() -> bool:
    """Whether a compiled build matching the sources is here (whichever build this session runs)."""
    try:
        return native._stale(json.loads(native.STAMP.read_text())) is None
    except OSError:
        return False


@pytest.mark.skipif(not _built(), reason="no current compiled build (make compile)")
def test_a_guard_edited_after_compiling_runs_as_its_source(tmp_path: Path) -> None:
    """The real build, copied with the package: as built it is imported; one guard edited, none of it is."""
    shutil.copytree(SRC / "nearhit", tmp_path / "nearhit", ignore=shutil.ignore_patterns("__pycache__"))
    built = _imported(tmp_path)
    assert built.stdout.startswith("compiled") and "_native" in built.stdout, built.stdout
    with (tmp_path / "nearhit" / "guards" / "scope.py").open("a") as source:
        source.write("\n# an edit made after compiling\n")
    edited = _imported(tmp_path)
    assert edited.stdout.startswith("pure Python (stale compiled build ignored: guards/scope.py changed")
    assert edited.stdout.splitlines()[1].endswith("text.py")  # every module pure, not only the edited one
    assert "run `make compile`" in edited.stderr
    forced = _imported(SRC, {native.PURE_ENV: "1"})
    assert forced.stdout.splitlines()[1].endswith("text.py")


def test_the_memos_hold_in_either_build() -> None:
    """The ``lru_cache`` wrappers stay wrappers under mypyc: a text is analysed once."""
    first = analyse("Which foods are high in iron? (a memo check)")
    assert analyse("Which foods are high in iron? (a memo check)") is first
    assert analyse.cache_info().hits >= 1


@pytest.mark.slow
@pytest.mark.timeout(700)  # ~40 s quiet; the subprocess is bounded at 600 s
@pytest.mark.skipif(not COMPILED, reason="the compiled build is not running (make compile)")
def test_the_guards_tests_pass_on_the_pure_modules_too() -> None:
    """This session runs the compiled guards; the guards' and the decision's tests again on their sources."""
    tests = Path(__file__).parent
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-m",
            "not slow",
            "-p",
            "no:cacheprovider",
            str(tests),
            str(tests.parent / "decision"),
        ],
        env={**os.environ, native.PURE_ENV: "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:]


def _left_out_of_the_copy(folder: str, names: list[str]) -> set[str]:
    """Caches, a build, and the evaluation's datasets (31 MB that nothing run on the copy reads)."""
    left_out = {"__pycache__", "_native", *(["data"] if Path(folder).name == "evaluation" else [])}
    return left_out & set(names)


def _in_copy(copy: Path, *args: str, pure: bool = False) -> subprocess.CompletedProcess[str]:
    """``python *args`` on ``copy``'s nearhit (the tests from this tree), as built or forced pure."""
    environ = {name: value for name, value in os.environ.items() if name != native.PURE_ENV}
    environ.update({"PYTHONPATH": f"{copy}{os.pathsep}{ROOT}", "PYTHONHASHSEED": "0"})
    if pure:
        environ[native.PURE_ENV] = "1"
    return subprocess.run([sys.executable, *args], env=environ, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.native  # `make test-native`, apart from `make test` (its 15 minutes)
@pytest.mark.timeout(900)  # 76-85 s of CPU, most of it the compile; 171-261 s of wall at load 5-14 on 2 cores
@pytest.mark.skipif(native._no_compiler() is not None, reason="no C compiler, Python headers or mypyc")
def test_a_fresh_build_is_imported_and_says_what_the_pure_guards_say(tmp_path: Path) -> None:
    """``make compile`` on these sources, into a copy of the package (``src/`` keeps no build: the rest of the suite
    runs the guards as the session chose): the compiled modules are the ones imported, every guard's signal on the
    guards' test pairs is the pure one's, and the long-prompt tests hold. A guard mypyc refuses at run time left
    ``nearhit.guards`` unimportable for nine sessions; a ``cached_property`` it compiles as a plain property took
    the guards from 0.08 to 2.7 s of CPU on a long prompt. -O0: the C of ``make compile``'s -O3, less of gcc's time."""
    shutil.copytree(SRC / "nearhit", tmp_path / "nearhit", ignore=_left_out_of_the_copy)
    built = _in_copy(tmp_path, "-m", "nearhit.native", "-O0", "--multi-file")
    assert built.returncode == 0 and (tmp_path / "nearhit" / "guards" / "_native" / "BUILD.json").exists(), (
        built.stdout[-2000:] + built.stderr[-3000:]
    )
    compiled = _in_copy(tmp_path, "-m", "tests.support.guard_outputs")
    assert compiled.returncode == 0, compiled.stderr[-3000:]
    pure = _in_copy(tmp_path, "-m", "tests.support.guard_outputs", pure=True)
    assert pure.returncode == 0, pure.stderr[-3000:]
    (compiled_build, *compiled_signals), (pure_build, *pure_signals) = (
        [json.loads(line) for line in done.stdout.splitlines()] for done in (compiled, pure)
    )
    assert compiled_build["build"].startswith("compiled"), compiled_build["build"]
    native_dir = tmp_path / "nearhit" / "guards" / "_native"
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert sorted(compiled_build["modules"]) == native.compiled_modules()
    for name, file in compiled_build["modules"].items():  # mypyc names it as under a package: _native/nearhit/...
        assert Path(file).is_relative_to(native_dir) and file.endswith(f"{name}{suffix}"), file
    assert all(file.endswith(".py") for file in pure_build["modules"].values())
    assert len(compiled_signals) > 5000
    assert compiled_signals == pure_signals
    long_prompts = _in_copy(
        tmp_path, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(Path(__file__).parent / "test_long_prompts.py")
    )
    assert long_prompts.returncode == 0, long_prompts.stdout[-3000:]
