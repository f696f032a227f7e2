"""One JupyterLab and one browser for the whole corpus: the originals' measurements are the reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .lab import lab_reference


@pytest.fixture(scope="session")
def reference(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    with lab_reference(browser, tmp_path_factory.mktemp("corpus-lab")) as ref:
        yield ref
