"""The probe's negative control: a host that gets every feature wrong, in the page itself (no server), must make
every row fail. A check that passed here could not catch the regression it is for."""

from __future__ import annotations

from typing import Any

import pytest
from afm_driver import FEATURES
from probe_widgets import ESM

pytestmark = pytest.mark.browser

# Each broken part is the opposite of one contract point; "Python" answers from inside save_changes. Modes:
# "events" fires change:x listeners (the ones off() should have removed too), "silent" fires no events at all,
# "wrong" answers with a wrong value, so each check is seen failing for its own reason.
BROKEN_HOST = """async ([esm, mode]) => {
  globalThis.__afmWaitMs = 500;
  const listeners = [];
  const state = {
    label: "probe", from_js: "", echo: "", child: 7,
    // a typed array, and a DataView into a larger buffer: neither is what the contract promises
    nested: { a: [new Uint8Array([1, 2, 3]), { b: new DataView(new Uint8Array([9, 4, 5]).buffer, 1, 2) }] },
  };
  const model = {
    get: (k) => state[k],
    set(k, v) {
      state[k] = v;
      if (mode === "silent") return;
      for (const [name, cb] of listeners) if (name === `change:${k}`) cb(); // no "change", no value argument
    },
    save_changes() {
      setTimeout(() => model.set("echo", mode === "wrong" ? "wrong" : `echo:${state.from_js}`), 10);
      const hello = [{ kind: "hello", n: 2 }, [new Uint8Array([3])]];
      setTimeout(() => listeners.forEach(([n, cb]) => n === "msg:custom" && cb(...hello)), 20);
    },
    on: (name, cb) => listeners.push([name, cb]),
    off() {}, // removes nothing, and a removed view's listeners stay
    send() { throw new Error("no send"); },
    widget_manager: {},
  };
  const url = URL.createObjectURL(new Blob([esm], { type: "text/javascript" }));
  const { default: widget } = await import(url);
  const el = document.createElement("div");
  document.body.append(el);
  // render before initialize, no signal, a wrong invoke, and no _css anywhere
  await widget.render({ model, el, experimental: { invoke: async () => [{ y: 41 }, []] } });
  widget.initialize({ model });
  await new Promise((resolve) => {
    const poll = () => (globalThis.__afm.done ? resolve() : setTimeout(poll, 50));
    poll();
  });
  await globalThis.__afm.afterRemoval(0); // the "host" removed view 0 without its cleanup
  globalThis.__afm.gens.push({}); // as if initialize ran again, with nothing aborted or cleaned up
  await globalThis.__afm.afterReload();
  return globalThis.__afm.results;
}"""


def broken_host_results(page: Any, mode: str) -> dict[str, Any]:
    page.goto("about:blank")
    results: dict[str, Any] = page.evaluate(BROKEN_HOST, [ESM, mode])
    return results


def test_every_row_fails_on_a_broken_host(page: Any) -> None:
    results = broken_host_results(page, "events")
    passing = {name: results.get(name) for name, _, _ in FEATURES if results.get(name, {}).get("status") != "fail"}
    # the two that this mode does right on purpose; the cases below break them
    assert set(passing) == {"get_set_save_round_trip", "change_attr_event"}, passing


@pytest.mark.parametrize(
    ("mode", "feature", "reason"),
    [("silent", "change_attr_event", "change:echo never fired"), ("wrong", "get_set_save_round_trip", "timed out")],
)
def test_the_rest_fail_for_their_own_reason(page: Any, mode: str, feature: str, reason: str) -> None:
    result = broken_host_results(page, mode)[feature]
    assert result["status"] == "fail" and reason in result["reason"], result
