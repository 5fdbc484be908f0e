"""Deploy into a firmware tree: the library's files change as a set, even when the
process is killed mid-way, and a user's file is never replaced without --force."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from nanoforge.daemon import deploy

NAMES = ("libneai.a", "NanoEdgeAI.h", "knowledge.h", "metadata.json", "neai_emulator")


def _library(tag: str) -> dict[str, bytes]:
    return {name: f"{tag}: {name}\n".encode() * 50 for name in NAMES}


# The child runs one deploy and dies (os._exit: no cleanup of any kind runs) at the
# k-th durable step: a staged file synced, a file or the journal or manifest moved in.
KILLER = """
import os, pickle, sys
from nanoforge.daemon import deploy
target, files, k = pickle.load(open(sys.argv[1], "rb"))
count = [0]
def step(real):
    def wrapped(*a, **kw):
        count[0] += 1
        if count[0] == k:
            os._exit(9)
        return real(*a, **kw)
    return wrapped
os.replace = step(os.replace)
os.fsync = step(os.fsync)
deploy.write(target, files)
"""


def _state(target: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in target.iterdir() if p.is_file()}


def test_a_deploy_killed_at_every_step_then_a_plain_deploy_leaves_one_library(tmp_path: Path) -> None:
    target = tmp_path / "fw"
    target.mkdir()
    (target / "main.c").write_text("int main(void) { return 0; }\n")
    old, new = _library("A"), _library("B")
    deploy.write(target, old)
    kills = 0
    for k in range(1, 2 * len(NAMES) + 4):
        job = tmp_path / "job.pickle"
        job.write_bytes(pickle.dumps((target, new, k)))
        r = subprocess.run([sys.executable, "-c", KILLER, str(job)], capture_output=True, text=True, timeout=60)
        kills += r.returncode == 9
        assert r.returncode in (0, 9), r.stderr
        # whatever the kill left, the next plain deploy (no --force) goes through ...
        deploy.write(target, old)
        files = _state(target)
        # ... and leaves exactly one library, the user's file and no debris
        assert {n: files[n] for n in NAMES} == old
        assert files["main.c"] == b"int main(void) { return 0; }\n"
        assert not [p.name for p in target.iterdir() if p.name.startswith(".nanoforge-deploy") and
                    p.name != deploy.MANIFEST]
        manifest = json.loads((target / deploy.MANIFEST).read_text())["files"]
        assert set(manifest) == set(NAMES)
    assert kills >= 2 * len(NAMES)


def test_a_killed_deploy_is_rolled_forward_once_committed(tmp_path: Path) -> None:
    """Killed after its journal (the commit point): the next deploy of anything first
    completes the killed one, so the two libraries are never mixed."""
    target = tmp_path / "fw"
    old, new = _library("A"), _library("B")
    deploy.write(target, old)
    job = tmp_path / "job.pickle"
    steps = len(NAMES) + 1 + 2  # the staged files synced, the journal synced and moved in, one file moved in
    job.write_bytes(pickle.dumps((target, new, steps + 1)))
    assert subprocess.run([sys.executable, "-c", KILLER, str(job)], timeout=60).returncode == 9
    assert (target / deploy.JOURNAL).exists()
    deploy.recover(target)
    assert {n: _state(target)[n] for n in NAMES} == new


def test_a_file_changed_since_we_wrote_it_is_the_users(tmp_path: Path) -> None:
    target = tmp_path / "fw"
    deploy.write(target, _library("A"))
    (target / "NanoEdgeAI.h").write_text("/* my own header now */\n")
    with pytest.raises(FileExistsError, match="changed since"):
        deploy.write(target, _library("B"))
    assert (target / "NanoEdgeAI.h").read_text() == "/* my own header now */\n"
    deploy.write(target, _library("B"), force=True)
    assert (target / "NanoEdgeAI.h").read_bytes() == _library("B")["NanoEdgeAI.h"]


def test_files_one_folder_deep_are_written_and_anything_deeper_refused(tmp_path: Path) -> None:
    """emulators/libneai.so goes in a folder of its own; a deeper or hidden path never."""
    target = tmp_path / "fw"
    files = {**_library("A"), "emulators/libneai.so": b"so", "emulators/neai_emulator.py": b"py"}
    deploy.write(target, files)
    assert (target / "emulators" / "libneai.so").read_bytes() == b"so"
    assert (target / "emulators" / "neai_emulator.py").stat().st_mode & 0o111  # runnable
    assert "emulators/libneai.so" in json.loads((target / deploy.MANIFEST).read_text())["files"]
    deploy.write(target, {**files, "emulators/libneai.so": b"so2"})  # ours: replaced without --force
    assert (target / "emulators" / "libneai.so").read_bytes() == b"so2"
    for bad in ("a/b/c.h", "../x.h", "emulators/.hidden", ".git/config"):
        with pytest.raises(ValueError, match="not a plain file name"):
            deploy.write(target, {bad: b"x"})
    (tmp_path / "elsewhere").mkdir()
    (target / "linked").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(ValueError, match="resolves outside"):
        deploy.write(target, {"linked/x.h": b"x"})
