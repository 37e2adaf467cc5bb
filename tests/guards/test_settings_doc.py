"""The README's configuration tables are generated from the code and cannot go stale (issue 22).

- the block between the README's markers is exactly what ``python -m cosyclone.ops.settings_doc`` renders;
- every environment variable ``_config`` reads is named in ``SETTING_SOURCES`` (the table's source), and every
  region the catalog knows has a row.
"""

from __future__ import annotations

import re
from pathlib import Path

from cosyclone import _config
from cosyclone.catalog import REGIONS
from cosyclone.ops import settings_doc

ROOT = Path(__file__).resolve().parents[2]


def test_readme_settings_table_is_the_generated_one() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_doc.splice(readme) == readme, "README's settings table is stale: run `make docs`"


def test_every_environment_variable_the_config_reads_is_in_the_table() -> None:
    source = Path(_config.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', source)) | {_config.CONFIG_FILE_ENV}
    table = " ".join(" ".join(sources) for sources in _config.SETTING_SOURCES.values())
    missing = sorted(name for name in read if f"`{name}`" not in table)
    assert not missing, f"environment variables read but not in SETTING_SOURCES: {missing}"
    rendered = settings_doc.render()
    assert all(f"`{region}`" in rendered for region in REGIONS)
