"""The generated property-catalogue table and the README's copy of it."""

from pathlib import Path

import pytest

from podmodel.model.properties import CATALOGUE, TRACE_ONLY
from podmodel.render import catalogue

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def test_table_lists_every_property_once_in_order():
    lines = catalogue.catalogue_table().splitlines()
    ids = [line.split("|")[1].strip().strip("`") for line in lines[2:]]
    assert ids == [p.id for p in CATALOGUE] + [pid for pid, _, _ in TRACE_ONLY]
    assert all(line.count(" | ") == 3 for line in lines[2:])


def test_cells_escape_pipes_and_fold_lines():
    assert catalogue._cell("a | b\n  c") == "a \\| b c"


def test_update_replaces_only_the_block():
    doc = f"# T\n\nbefore\n{catalogue.START}\nstale\n{catalogue.END}\nafter\n"
    new = catalogue.update(doc)
    assert new.startswith("# T\n\nbefore\n" + catalogue.START + "\n| id | kind")
    assert new.endswith(catalogue.END + "\nafter\n")
    assert catalogue.is_current(new) and not catalogue.is_current(doc)
    assert catalogue.update(new) == new


@pytest.mark.parametrize("doc", ["no markers", f"{catalogue.END}\n{catalogue.START}\n", f"{catalogue.START}{catalogue.START}{catalogue.END}"])
def test_malformed_blocks_are_errors(doc):
    with pytest.raises(catalogue.MarkerError):
        catalogue.update(doc)


def test_cli_check_and_write(tmp_path, capsys):
    doc = tmp_path / "doc.md"
    doc.write_text(f"x\n{catalogue.START}\nold\n{catalogue.END}\n")
    assert catalogue.main(["--check", str(doc)]) == 1
    assert "stale" in capsys.readouterr().err
    assert catalogue.main(["--write", str(doc)]) == 0
    assert catalogue.main(["--check", str(doc)]) == 0
    (tmp_path / "none.md").write_text("nothing here\n")
    assert catalogue.main(["--check", str(tmp_path / "none.md")]) == 2
    assert catalogue.main(["--check", str(tmp_path / "missing.md")]) == 2


def test_readme_catalogue_is_current():
    text = README.read_text(encoding="utf-8")
    if not catalogue.has_markers(text):
        pytest.skip("README.md has no catalogue markers yet")
    assert catalogue.is_current(text), "README.md's catalogue is stale: python -m podmodel.render.catalogue --write README.md"
