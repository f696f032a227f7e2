// Wrong uses of tests/typescript/widgets.py:Everything: every line marked `expect` must fail to compile.
import type { EverythingModel } from "./widget";

export function misuse(model: EverythingModel): void {
  model.set("count", "x"); // expect: TS2345 Argument of type 'string' is not assignable to parameter of type 'number'
  model.set("mode", "c"); // expect: TS2345 Argument of type '"c"' is not assignable to parameter of type '"a" | "b"'
  model.set("level", 4); // expect: TS2345 Argument of type '4' is not assignable to parameter of type
  model.set("maybe", undefined); // expect: TS2345 Argument of type 'undefined' is not assignable
  model.get("_secret"); // expect: TS2345 Argument of type '"_secret"' is not assignable
  model.get("limit"); // expect: TS2345 Argument of type '"limit"' is not assignable
  model.set("child", "IPY_MODEL_0123"); // expect: TS2345 Argument of type '"IPY_MODEL_0123"' is not assignable
  model.set("color", "RED"); // expect: TS2345 Argument of type '"RED"' is not assignable
  model.set("point", { x: 1 }); // expect: TS2345 Argument of type '{ x: number; }' is not assignable to parameter of type 'Point'
  const bytes: string = model.get("data"); // expect: TS2322 Type 'DataView<ArrayBufferLike>' is not assignable
  void bytes;
}
