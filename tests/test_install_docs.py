"""``docs/install.rst`` lists every extra exactly as ``pyproject.toml`` has it."""

import re
from pathlib import Path

import pytest

# tomllib is in the standard library from Python 3.11; on 3.10 the checks are skipped
tomllib = pytest.importorskip(
    "tomllib", reason="reading pyproject.toml needs Python >= 3.11 (tomllib)")

ROOT = Path(__file__).parents[1]


def pyproject_extras():
    """Extra name -> its requirement strings, from ``pyproject.toml``."""
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["project"]["optional-dependencies"]


def documented_extras(rst):
    """Extra name -> the text of its row in the Extras table of ``install.rst``.

    A row starts with a line that begins with ````name````; the lines after it
    that begin with a space continue it (the table's continuation lines).
    """
    section = rst[rst.index("\nExtras\n------\n"):]
    following = re.search(r"\n\S[^\n]*\n-{3,}\n", section[1:])
    if following is not None:
        section = section[:following.start() + 1]
    rows, name = {}, None
    for line in section.splitlines():
        match = re.match(r"``([\w-]+)``\s", line)
        if match:
            name = match.group(1)
            assert name not in rows, f"extra {name!r} has two rows in docs/install.rst"
            rows[name] = line[match.end():]
        elif name is not None and line.startswith(" "):
            rows[name] += "\n" + line
        else:
            name = None
    return rows


def test_the_extras_table_is_found():
    rows = documented_extras((ROOT / "docs" / "install.rst").read_text())
    assert {"tree", "test", "dev"} <= set(rows)
    assert "``pytest>=7.4``" in rows["test"] and "``dgl``" not in rows["test"]


def test_every_extra_is_documented_with_its_requirements():
    rows = documented_extras((ROOT / "docs" / "install.rst").read_text())
    extras = pyproject_extras()
    missing = sorted(set(extras) - set(rows))
    assert not missing, (f"extra(s) {missing} of pyproject.toml have no row in the Extras "
                         "table of docs/install.rst")
    stale = sorted(set(rows) - set(extras))
    assert not stale, (f"docs/install.rst lists extra(s) {stale} that pyproject.toml does "
                       "not have")
    for name, requirements in extras.items():
        listed = re.findall(r"``([^`]+)``", rows[name])
        for requirement in requirements:
            assert requirement in listed, (
                f"extra {name!r}: requirement {requirement!r} of pyproject.toml is not "
                f"listed as ``{requirement}`` in its row of docs/install.rst")
        # a pinned requirement in the row that pyproject.toml does not have
        stale = [text for text in listed if re.search(r"==|>=|<=|~=|!=|<|>", text)
                 and text not in requirements]
        assert not stale, (f"extra {name!r}: docs/install.rst lists {stale}, which "
                           "pyproject.toml does not require")


@pytest.mark.parametrize("table, message", [
    ("``a``  x  ``pkg>=1``\n", "requirement 'pkg>=2'"),
    ("``a``  x  ``pkg>=2``\n``b``  y  ``other``\n", "lists extra(s) ['b']"),
    ("``z``  x  ``pkg>=2``\n", "extra(s) ['a'] of pyproject.toml have no row"),
    ("``a``  x  ``pkg>=2``\n         ``old>=1``\n", "docs/install.rst lists ['old>=1']"),
])
def test_the_check_catches_disagreement(table, message, monkeypatch):
    rst = f"Title\n=====\n\nExtras\n------\n\n{table}\nNext\n----\n\n``a``  not a row\n"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: rst)
    monkeypatch.setitem(globals(), "pyproject_extras", lambda: {"a": ["pkg>=2"]})
    with pytest.raises(AssertionError, match=re.escape(message)):
        test_every_extra_is_documented_with_its_requirements()
