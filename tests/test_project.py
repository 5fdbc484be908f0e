"""nanoforge.toml: written by `new`, edited by `signals add`, every mistake on its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nanoforge.engine.lint import lint_path
from nanoforge.engine.project import PROJECT_FILE, add_signals, load, new_project

from .conftest import smooth_rows, write_signals


def test_new_project_loads_clean(tmp_path: Path) -> None:
    new_project(tmp_path / "p", "ncc", axes=3, buffer=128, sampling_hz=800, target="stm32l432kc")
    project, diags = load(tmp_path / "p")
    assert diags == [] and project is not None
    assert (project.axes, project.buffer, project.sampling_hz, project.type) == (3, 128, 800.0, "ncc")
    with pytest.raises(FileExistsError):
        new_project(tmp_path / "p", "ncc")


def test_signals_add_keeps_comments_and_replaces_a_class(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_project(root, "ncc")
    a = write_signals(root / "signals" / "a.csv", smooth_rows())
    b = write_signals(tmp_path / "b.csv", smooth_rows(seed=1))
    add_signals(root, cls="idle", file=a)
    add_signals(root, cls="run", file=b)
    add_signals(root, cls="idle", file=b)
    text = (root / PROJECT_FILE).read_text()
    assert "# ad | 1cc | ncc | ext" in text
    project, diags = load(root)
    assert [d.code for d in diags] == ["NF306", "NF306"]  # b.csv is outside the project: named in full, warned
    assert [(e.cls, e.file) for e in project.signals] == [("idle", b.as_posix()), ("run", b.as_posix())]
    with pytest.raises(ValueError, match="--class NAME FILE"):
        add_signals(root, nominal=a)


def test_ad_couples(tmp_path: Path) -> None:
    root = tmp_path / "p"
    new_project(root, "ad")
    n = write_signals(root / "signals" / "n.csv", smooth_rows())
    ab = write_signals(root / "signals" / "ab.csv", smooth_rows(seed=2))
    add_signals(root, nominal=n, abnormal=ab)
    add_signals(root, nominal=ab)
    project, diags = load(root)
    assert diags == [] and len(project.signals) == 2


def diag_for(text: str, tmp_path: Path):
    (tmp_path / PROJECT_FILE).write_text(text)
    return load(tmp_path)[1]


def test_mistakes_are_on_their_line(tmp_path: Path) -> None:
    text = 'type = "ncc"\naxes = "three"\nbufer = 128\ntarget = "cortex-m5"\n\n[filter]\nenabled = true\nhigh_hz = 900\n'
    diags = {d.code + ":" + str(d.line): d for d in diag_for(text, tmp_path)}
    assert diags["NF302:2"].column == 8
    assert "buffer" in diags["NF301:3"].hint
    assert "cortex-m" in diags["NF302:4"].hint
    assert "Nyquist" in diags["NF302:8"].message


def test_syntax_error_has_position(tmp_path: Path) -> None:
    [d] = diag_for('type = "ncc"\naxes = \n', tmp_path)
    assert (d.code, d.line) == ("NF300", 2)


def test_missing_signal_file_and_wrong_role(tmp_path: Path) -> None:
    text = 'type = "ncc"\n\n[[signals]]\nclass = "a"\nfile = "nope.csv"\n\n[[signals]]\nnominal = "x.csv"\n'
    codes = sorted((d.code, d.line) for d in diag_for(text, tmp_path))
    assert ("NF304", 5) in codes and ("NF305", 8) in codes


def test_multi_sensor_is_anomaly_detection_only(tmp_path: Path) -> None:
    diags = diag_for('type = "ncc"\nsensor = "multi"\nvariables = 4\n', tmp_path)
    assert any(d.code == "NF302" and d.line == 2 for d in diags)
    project, diags = load(tmp_path, 'type = "ad"\nsensor = "multi"\nvariables = 4\n')
    assert diags == [] and project.layout.kind == "multi" and project.axes == 4


def test_project_info_counts_lines_and_columns_of_each_signal_file(tmp_path: Path) -> None:
    from nanoforge.engine.projectinfo import project_info

    root = tmp_path / "p"
    new_project(root, "ncc", axes=2, buffer=4)
    (root / "a.csv").write_text("1,2,3,4,5,6,7,8\n\n1,2,3,4,5,6,7,8\n")
    (root / "nanoforge.toml").write_text((root / "nanoforge.toml").read_text()
                                         + '\n[[signals]]\nclass = "a"\nfile = "a.csv"\n'
                                         + '\n[[signals]]\nclass = "b"\nfile = "gone.csv"\n')
    info = project_info(root / "a.csv")
    assert info["valid"] and info["type"] == "ncc" and info["axes"] == 2
    a, b = info["signals"]
    assert (a["role"], a["lines"], a["columns"]) == ("a", 2, 8)
    assert b["exists"] is False and b["lines"] is None


@pytest.mark.parametrize("bad", [{"axes": -1}, {"buffer": -5}, {"axes": "x"}, {"buffer": 0}, {"sampling_hz": 0.0},
                                 {"max_ram": 10}, {"seed": -1}, {"axes": True}])
def test_new_refuses_what_its_own_check_would_reject(tmp_path: Path, bad: dict) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        new_project(tmp_path / "p", "ncc", **bad)
    assert not (tmp_path / "p").exists()


def test_signals_that_are_not_tables_get_a_diagnostic(tmp_path: Path) -> None:
    new_project(tmp_path, "ncc")
    toml = tmp_path / PROJECT_FILE
    toml.write_text("signals = [1, 2]\n" + toml.read_text())
    _, diags = load(tmp_path)
    bad = [d for d in diags if d.code == "NF302" and "not a table" in d.message]
    assert len(bad) == 2 and bad[0].line == 1


def test_a_cluster_is_a_dask_scheduler_address(tmp_path: Path) -> None:
    new_project(tmp_path / "p", "ncc")
    toml = tmp_path / "p" / PROJECT_FILE
    text = toml.read_text()
    toml.write_text('cluster = "tcp://10.0.0.5:8786"\n' + text)
    project, diags = load(tmp_path / "p")
    assert project is not None and project.cluster == "tcp://10.0.0.5:8786"
    toml.write_text('cluster = "10.0.0.5"\n' + text)
    (d,) = [d for d in load(tmp_path / "p")[1] if d.code == "NF302"]
    assert d.line == 1 and "tcp://HOST:8786" in d.hint
def test_api_and_deploy_cflags_are_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / PROJECT_FILE).write_text('type = "ad"\napi = "v5"\n\n[deploy]\ndir = "fw"\ncflags = "-fshort-enums"\n')
    project, diags = load(tmp_path)
    assert project is not None and not diags
    assert (project.api, project.deploy_cflags) == ("v5", "-fshort-enums")
    assert load(tmp_path, 'type = "ad"\n')[0].api == "v4"  # the default
    diags = {d.code + ":" + str(d.line): d for d in diag_for('type = "ncc"\napi = "v6"\n\n[deploy]\ncflags = 3\n',
                                                              tmp_path)}
    assert "v5" in diags["NF302:2"].hint and diags["NF302:2"].column == 7
    assert "cflags" in diags["NF302:5"].message


def test_backstop_is_a_1class_switch_and_a_warning_elsewhere(tmp_path: Path) -> None:
    """`backstop = false` drops the 1-class library's raw-buffer backstop; any other type
    has none, so the line gets a warning (NF308) on its key, not a silent no-op."""
    project, diags = load(tmp_path, 'type = "1cc"\nbackstop = false\n')
    assert project is not None and not diags and project.backstop is False
    assert load(tmp_path, 'type = "1cc"\n')[0].backstop is True  # the default
    (d,) = diag_for('type = "ad"\nbackstop = false\n', tmp_path)
    assert (d.code, d.severity, d.line, d.column) == ("NF308", "warning", 2, 1) and "remove the line" in d.hint
    (d,) = diag_for('type = "1cc"\nbackstop = "no"\n', tmp_path)
    assert (d.code, d.line, d.column) == ("NF302", 2, 12) and "true or false" in d.message


def _with_signals(root: Path, entries: list[tuple[str, str]], deploy: str | None = None) -> None:
    new_project(root, "ncc")
    text = (root / PROJECT_FILE).read_text()
    if deploy is not None:
        text = re.sub(r'(?m)^dir = .*$', f'dir = "{deploy}"', text)
    text += "".join(f'\n[[signals]]\nclass = "{c}"\nfile = "{f}"\n' for c, f in entries)
    (root / PROJECT_FILE).write_text(text)


def test_a_signal_path_climbing_out_of_the_project_is_refused_and_never_read(tmp_path: Path) -> None:
    """`../../../etc/shadow` in a shared project was read and its first line echoed in
    NF102; now it is an error on the path, and nothing of the file shows."""
    secret = tmp_path / "secret.csv"
    secret.write_text("hunter2-password\n")
    root = tmp_path / "a" / "p"
    (root / "signals").mkdir(parents=True)
    inside = write_signals(root / "signals" / "ok.csv", smooth_rows())
    _with_signals(root, [("x", "../../secret.csv"), ("y", "signals/../signals/ok.csv")])
    project, diags = load(root)
    (bad,) = [d for d in diags if d.code == "NF307"]
    assert "'../../secret.csv' leaves the project folder through '..'" in bad.message and "absolute path" in bad.hint
    assert bad.line == (root / PROJECT_FILE).read_text().splitlines().index('file = "../../secret.csv"') + 1
    assert [f for _, f in project.signal_files()] == [inside]
    assert not any("hunter2" in d.message for d in lint_path(root))


def test_an_absolute_or_linked_path_outside_the_project_is_read_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    outside = write_signals(tmp_path / "elsewhere" / "b.csv", smooth_rows(seed=1))
    root = tmp_path / "p"
    (root / "signals").mkdir(parents=True)
    (root / "signals" / "link.csv").symlink_to(outside)
    _with_signals(root, [("a", str(outside)), ("b", "signals/link.csv")])
    project, diags = load(root)
    warned = [d for d in diags if d.code == "NF306"]
    assert [d.severity for d in warned] == ["warning", "warning"] and all(str(outside) in d.message for d in warned)
    assert "link" in warned[1].message
    assert len(project.signal_files()) == 2


@pytest.mark.parametrize("folder", ["/", "/etc", "/usr/lib", "~", "/home", "../../../../../../../../etc"])
def test_deploy_into_a_system_or_home_folder_is_refused(tmp_path: Path, folder: str) -> None:
    from nanoforge.daemon.deploy import resolve_dir

    root = tmp_path / "p"
    _with_signals(root, [], deploy=folder)
    project, diags = load(root)
    (bad,) = [d for d in diags if d.code == "NF307"]
    assert "nanoforge does not write there" in bad.message or "not a firmware folder" in bad.message, bad.message
    assert project is None or project.deploy_dir is None
    with pytest.raises(ValueError, match="firmware project's own folder"):
        resolve_dir(root, None, folder)
    assert resolve_dir(root, None, "../firmware/nanoforge") == (tmp_path / "firmware" / "nanoforge").resolve()
