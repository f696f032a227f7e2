// A front end for tests/typescript/widgets.py:Everything that uses every field as its type allows.
import type { EverythingModel, EverythingRender, EverythingWidget, Point, Tree } from "./widget";

function use(model: EverythingModel): string {
  model.set("count", model.get("count") + 1);
  const ratio: number = model.get("ratio");
  model.set("name", `${model.get("name")}!`);
  model.set("flag", !model.get("flag"));
  model.set("mode", "b");
  model.set("level", 3);
  model.set("maybe", null);
  model.set("maybe", 4);
  model.set("bounded", 2);
  model.set("tags", [...model.get("tags"), "x"]);
  model.set("scores", { a: 1.5 });
  const [n, s]: [number, string] = model.get("pair");
  model.set("coords", [1, 2, 3]);
  const p: Point = model.get("point");
  model.set("point", { x: p.x + 1, y: p.y });
  model.set("renamed", { firstName: "Ada" }); // camelCase on the wire; omitted defaults may be missing
  const shape = model.get("shape");
  const size: number = shape.type === "Circle" ? shape.radius : shape.side; // a tagged union narrows
  model.set("packed", [1, "one"]);
  const tree: Tree = { label: "root", children: [{ label: "leaf", children: [] }] };
  model.set("tree", tree);
  model.set("box", { width: 2, height: 3 });
  model.set("options", {});
  model.set("person", { name: "Grace", age: null });
  model.set("color", "blue");
  model.set("strength", 2);
  const data: DataView = model.get("data");
  const maybe: DataView | null = model.get("maybe_data");
  const chunks: DataView[] = model.get("chunks");
  model.set("child", "anywidget:0123abcd");
  model.set("children", [`anywidget:${"f".repeat(32)}`]);
  return `${ratio} ${n} ${s} ${size} ${data.byteLength} ${maybe?.byteLength} ${chunks.length}`;
}

const render: EverythingRender = ({ model, el }) => {
  el.textContent = use(model);
  model.on("change:count", () => {
    el.textContent = String(model.get("count"));
  });
};

export default { render } satisfies EverythingWidget;
