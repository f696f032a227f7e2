"""@jupyter-widgets/schema's v2 state schema, downloaded for the saved-state tests."""

from __future__ import annotations

import io
import json
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest

# Pinned: the version the research notes validated nbclient's output against (v2/state.schema.json).
SCHEMA_TARBALL = "https://registry.npmjs.org/@jupyter-widgets/schema/-/schema-0.5.6.tgz"


@pytest.fixture(scope="session")
def state_schema(pytestconfig: Any) -> dict[str, Any]:
    """v2/state.schema.json from the npm package, downloaded once per machine (pytest's cache)."""
    cached = Path(pytestconfig.cache.mkdir("jupyter-widgets-schema")) / "state.schema.json"
    if not cached.exists():
        with urllib.request.urlopen(SCHEMA_TARBALL, timeout=60) as response:
            tarball = io.BytesIO(response.read())
        with tarfile.open(fileobj=tarball, mode="r:gz") as archive:
            member = archive.extractfile("package/v2/state.schema.json")
            assert member is not None
            cached.write_bytes(member.read())
    schema: dict[str, Any] = json.loads(cached.read_text())
    return schema
