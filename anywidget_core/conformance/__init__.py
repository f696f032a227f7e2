"""The conformance kit: language-neutral vectors (protocol/vectors) and a runner for any host adapter.

From pytest::

    from anywidget_core.conformance import load_vectors, run_vector
    from anywidget_core.host import MemoryHost

    @pytest.mark.parametrize("vector", load_vectors(), ids=lambda v: v["name"])
    def test_memory_host(vector):
        outcome = run_vector(vector, MemoryHost())
        assert outcome.status != "fail", outcome.detail

From the shell: ``anywidget-core conformance`` (every installed host) or ``--host jupyter``.
"""

from .runner import Outcome, format_table, load_vectors, run, run_vector

__all__ = ["Outcome", "format_table", "load_vectors", "run", "run_vector"]
