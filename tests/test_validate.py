"""Validation experiments as a user runs them: a real benchmark, the libraries' host
builds on files it never saw, experiments kept on disk; bad input writes nothing."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import FIXTURES, bench_wait, nanoforge

CLASSES = ("badminton", "running", "standing", "walking")


def class_flags(prefix: str = "basicmotions_test") -> list[str]:
    out = []
    for c in CLASSES:
        out += ["--class", c, str(FIXTURES / f"{prefix}_{c}.csv")]
    return out


@pytest.fixture(scope="module")
def benched(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """BasicMotions train/ benchmarked briefly, and its three best candidates."""
    root = tmp_path_factory.mktemp("v") / "bm"
    assert nanoforge("new", str(root), "--type", "ncc", "--axes", "6", "--buffer", "100", "--hz", "10").returncode == 0
    for c in CLASSES:
        dst = root / "signals" / f"{c}.csv"
        dst.write_bytes((FIXTURES / f"basicmotions_train_{c}.csv").read_bytes())
        assert nanoforge("signals", "add", str(root), "--class", c, str(dst)).returncode == 0
    bench_wait(root, 12)
    r = nanoforge("bench", "candidates", str(root), "--json", "--limit", "3")
    cands = [c["library"] for c in json.loads(r.stdout)["candidates"]]
    assert len(cands) == 3
    return root, cands


def test_three_candidates_on_test_files_make_one_stored_experiment(benched: tuple[Path, list[str]]) -> None:
    root, cands = benched
    r = nanoforge("validate", str(root), "--libraries", ",".join(reversed(cands)), *class_flags(), "--json")
    assert r.returncode == 0, r.stderr
    exp = json.loads(r.stdout)
    assert exp["id"].startswith("e") and len(exp["libraries"]) == 3
    libs = exp["libraries"]
    assert [x["rank"] for x in libs] == [1, 2, 3]
    mains = [x["metrics"]["balanced_accuracy"] for x in libs]
    assert mains == sorted(mains, reverse=True)
    best = [x for x in libs if x["benchmark_best"]]
    assert [x["library"] for x in best] == [cands[0]] == [exp["benchmark_best"]]
    m = libs[0]["metrics"]
    for key in ("accuracy", "balanced_accuracy", "f1", "mcc", "precision", "roc_auc"):
        assert 0.0 <= m[key] <= 1.0 or key == "mcc"
    assert set(m["per_class_recall"]) == set(CLASSES) and m["signals"] == 40
    assert sum(map(sum, m["confusion"])) == 40
    assert exp["verdict"] in ("confirmed", "other", "none") and exp["advice"]
    stored = json.loads((root / ".nanoforge" / "validation" / f"{exp['id']}.json").read_text())
    assert stored == exp
    for i in stored["inputs"]:
        assert i["sha256"] == hashlib.sha256(Path(i["file"]).read_bytes()).hexdigest()
        assert i["label"] in CLASSES

    listed = json.loads(nanoforge("validate", "list", str(root), "--json").stdout)
    assert exp["id"] in [e["id"] for e in listed]
    shown = nanoforge("validate", "show", str(root), exp["id"])
    assert shown.returncode == 0 and "benchmark's best" in shown.stdout and exp["advice"] in shown.stdout



def test_bad_input_names_the_file_and_the_fix_and_writes_nothing(benched: tuple[Path, list[str]],
                                                                tmp_path: Path) -> None:
    root, cands = benched
    d = root / ".nanoforge" / "validation"
    before = sorted(p.name for p in d.iterdir()) if d.is_dir() else []
    libs = root / ".nanoforge" / "benchmarks" / "b0001" / "libraries"
    libs_before = sorted(p.name for p in libs.iterdir())

    wide = FIXTURES / "gunpoint_class1.csv"  # 150 values per line; the libraries read 6 × 100
    r = nanoforge("validate", str(root), "--libraries", cands[0], "--class", "walking", str(wide))
    assert r.returncode == 1 and "gunpoint_class1.csv:1:1: NF112" in r.stderr and "600 values per line" in r.stderr

    r = nanoforge("validate", str(root), "--libraries", f"{cands[1]},0badc0ffee", *class_flags())
    assert r.returncode == 1 and "unknown library id '0badc0ffee'" in r.stderr and "bench candidates" in r.stderr

    r = nanoforge("validate", str(root), "--libraries", cands[0], "--class", "jogging",
                  str(FIXTURES / "basicmotions_test_walking.csv"))
    assert r.returncode == 1 and "'jogging'" in r.stderr and "walking" in r.stderr

    r = nanoforge("validate", str(root), "--libraries", cands[0], "--nominal",
                  str(FIXTURES / "basicmotions_test_walking.csv"))
    assert r.returncode == 1 and "--class NAME FILE" in r.stderr

    assert nanoforge("validate", str(root), *class_flags()).returncode == 2  # no --libraries

    fresh = tmp_path / "fresh"
    assert nanoforge("new", str(fresh), "--type", "ncc", "--axes", "6", "--buffer", "100").returncode == 0
    r = nanoforge("validate", str(fresh), "--libraries", cands[0], *class_flags())
    assert r.returncode == 1 and "no benchmark yet" in r.stderr and "bench start" in r.stderr
    assert not (fresh / ".nanoforge" / "validation").exists()

    after = sorted(p.name for p in d.iterdir()) if d.is_dir() else []
    assert after == before
    assert sorted(p.name for p in libs.iterdir()) == libs_before


def test_each_type_labels_its_files_and_measures_the_answers(tmp_path: Path) -> None:
    """The emulator's answers (as `nanoforge emulate` gives them) to each type's runs."""
    from nanoforge.engine import types
    from nanoforge.engine.validation import Input

    ad = types.get("ad")
    ins = [Input("learn", "l.csv"), Input("nominal", "n.csv"), Input("abnormal", "a.csv")]
    assert ad.validation_problem(ins, []) is None
    assert ad.validation_problem(ins[1:], []) is not None  # nothing to learn from
    assert ad.validation_runs(ins) == [{"learn": ["l.csv"], "detect": ["n.csv", "a.csv"]}]
    res = [{"file": "n.csv", "similarity": s} for s in (95, 99, 80)] + [{"file": "a.csv", "similarity": s}
                                                                         for s in (10, 92)]
    m = ad.validation_metrics(ins, [], [{"results": res, "summary": {"learned": 20, "minimum_learn_calls": 5}}])
    assert m["nominal_recall"] == pytest.approx(2 / 3) and m["detection"] == 0.5
    assert m["balanced_accuracy"] == pytest.approx((2 / 3 + 0.5) / 2) and m["learned"] == 20
    assert m["auc"] == pytest.approx(5 / 6)  # similarity 10 is below every nominal one, 92 below 95 and 99

    oc = types.get("1cc")
    ins = [Input("abnormal", "a.csv"), Input("nominal", "n.csv")]
    assert oc.validation_runs(ins) == [{"file": "n.csv"}, {"file": "a.csv"}]  # nominal first
    ans = [{"results": [{"outlier": False, "score": 1.0}, {"outlier": True, "score": 3.0}]},
           {"results": [{"outlier": True, "score": 5.0}]}]
    m = oc.validation_metrics(ins, [], ans)
    assert (m["nominal_recall"], m["detection"], m["auc"]) == (0.5, 1.0, 1.0)
    assert oc.validation_problem([Input("nominal", "x.csv"), Input("abnormal", "x.csv")], []) is not None

    ext = types.get("ext")
    t = tmp_path / "t.csv"
    t.write_text("".join(f"{v}\n" for v in range(1, 11)))
    ins = [Input("file", "f.csv"), Input("targets", str(t))]
    assert ext.validation_problem(ins[:1], []) is not None  # no true values
    assert ext.validation_runs(ins) == [{"file": "f.csv", "targets": str(t)}]
    m = ext.validation_metrics(ins, [], [{"results": [{"value": float(v)} for v in (*range(1, 10), 12)]}])
    assert m["mae"] == pytest.approx(0.2) and m["rmse"] == pytest.approx(0.4 ** 0.5)
    assert m["r2"] == pytest.approx(1 - 4 / 82.5)

    ncc = types.get("ncc")
    assert ncc.validation_problem([Input("class", "f.csv", "c")], ["a", "b"]) is not None
    ins = [Input("class", "a.csv", "a"), Input("class", "b.csv", "b")]
    ans = [{"results": [{"probabilities": [0.9, 0.1]}, {"probabilities": [0.3, 0.7]}]},
           {"results": [{"probabilities": [0.2, 0.8]}]}]
    m = ncc.validation_metrics(ins, ["a", "b"], ans)
    assert m["confusion"] == [[1, 1], [0, 1]] and m["per_class_recall"] == {"a": 0.5, "b": 1.0}
    assert m["balanced_accuracy"] == 0.75 and m["roc_auc"] == 1.0


def test_report_of_a_validated_library_renders_as_html_and_pdf(benched: tuple[Path, list[str]],
                                                                tmp_path: Path) -> None:
    root, cands = benched
    r = nanoforge("validate", str(root), "--libraries", ",".join(cands), *class_flags(), "--json")
    assert r.returncode == 0, r.stderr
    exp = json.loads(r.stdout)
    html, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    r = nanoforge("report", str(root), "--library", cands[0], "--experiment", exp["id"], "--html", str(html),
                  "--pdf", str(pdf), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"library": cands[0], "experiment": exp["id"], "html": str(html), "pdf": str(pdf)}

    page = html.read_text()
    assert "<svg" in page and "<script" not in page and "<link" not in page
    assert not re.search(r"""(src|href|url)\s*[=(]\s*["']?(https?:|//)""", page)  # nothing remote

    png = subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
                         capture_output=True, text=True)
    assert png.returncode == 0, png.stderr
    assert (tmp_path / "p-1.png").stat().st_size > 1000
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    assert all(c in flat for c in CLASSES)
    lib = next(x for x in exp["libraries"] if x["library"] == cands[0])
    assert f"Validation experiment {exp['id']}" in flat and exp["advice"].split(":")[0] in flat
    assert f"{lib['metrics']['balanced_accuracy']:.3f}" in flat and "Score" in flat
    assert "Repartition" in flat and "★★★★★" in flat  # 10 signals in every class
    assert "Execution time per core: not measured" in flat
    spec_blocks = lib["pipeline"]
    assert "Input 6 axes × 100 samples" in flat
    assert all(f"Block: {b}" in flat for b in spec_blocks) and f"Model: {lib['model']}" in flat
    assert "Output class id and the probability of each class" in flat
    assert re.search(r"measured on cortex-?m4", flat)  # pdftotext joins a word hyphenated at a line end


def test_a_report_on_bad_input_says_what_to_do_and_writes_nothing(benched: tuple[Path, list[str]],
                                                                 tmp_path: Path) -> None:
    root, _cands = benched
    out = tmp_path / "r.html"
    r = nanoforge("report", str(root), "--library", "0badc0ffee", "--html", str(out))
    assert r.returncode == 1 and "no library '0badc0ffee'" in r.stderr and "bench candidates" in r.stderr
    r = nanoforge("report", str(root), "--experiment", "e0999", "--html", str(out))
    assert r.returncode == 1 and "e0999" in r.stderr and "validate list" in r.stderr
    fresh = tmp_path / "fresh"
    assert nanoforge("new", str(fresh), "--type", "ncc").returncode == 0
    r = nanoforge("report", str(fresh), "--html", str(out))
    assert r.returncode == 1 and "no benchmark yet" in r.stderr
    assert nanoforge("report", str(root)).returncode == 2
    assert not out.exists()
