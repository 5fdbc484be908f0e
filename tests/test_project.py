"""nanoforge.toml: written by `new`, edited by `signals add`, every mistake on its line."""

from __future__ import annotations

from pathlib import Path

import pytest

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
    assert diags == []
    assert [(e.cls, e.file) for e in project.signals] == [("idle", "../b.csv"), ("run", "../b.csv")]
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
