"""The configuration reference in docs/ is the one the config fields write today."""

from __future__ import annotations

from pathlib import Path

from oligomet.workflow import config_reference

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_committed_reference_is_current():
    assert REFERENCE.read_text() == config_reference(), (
        'docs/configuration.md is out of date: python -c "from oligomet.workflow import '
        "config_reference; open('docs/configuration.md', 'w').write(config_reference())\""
    )


def test_every_setting_is_described():
    for line in config_reference().splitlines():
        if line.startswith("| `"):
            assert line.rstrip().split("|")[-2].strip(), line
