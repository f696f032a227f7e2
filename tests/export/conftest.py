"""@jupyter-widgets/schema's v2 state schema, downloaded for the saved-state tests."""

from __future__ import annotations

import io
import json
import os
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest

# Pinned: the version the research notes validated nbclient's output against (v2/state.schema.json).
SCHEMA_TARBALL = "https://registry.npmjs.org/@jupyter-widgets/schema/-/schema-0.5.6.tgz"
# Beside the npm packages the TypeScript tests cache (not pytest's cache: CI runs pytest without its cacheprovider).
NPM_CACHE = Path(os.environ.get("AWC_NPM_CACHE", Path.home() / ".cache" / "anywidget-core-npm"))
CACHE = NPM_CACHE / "jupyter-widgets-schema-0.5.6"


@pytest.fixture(scope="session")
def state_schema() -> dict[str, Any]:
    """v2/state.schema.json from the npm package, downloaded once per machine."""
    cached = CACHE / "state.schema.json"
    if not cached.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(SCHEMA_TARBALL, timeout=60) as response:
            tarball = io.BytesIO(response.read())
        with tarfile.open(fileobj=tarball, mode="r:gz") as archive:
            member = archive.extractfile("package/v2/state.schema.json")
            assert member is not None
            partial = cached.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(member.read())
            partial.replace(cached)  # whole or absent, for parallel runs
    schema: dict[str, Any] = json.loads(cached.read_text())
    return schema
