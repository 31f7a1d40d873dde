/** Every core op. Engineers adding ops export them from their own runtime/ops/<name>.ts. */
export {
  defineOp,
  registeredOps,
  type OpDef,
  type ForwardFn,
  type ForwardResult,
  type Op,
} from "./define.js";
export * from "./elementwise.js";
export * from "./reduce.js";
export * from "./shape.js";
export * from "./matmul.js";
export * from "./assign.js";
