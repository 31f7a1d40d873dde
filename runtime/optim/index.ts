export { Optimizer, type OptimizerStateDict, type StateArray } from "./optimizer.js";
export { AdamW, type AdamWOptions } from "./adamw.js";
export { AdamW8bit, type AdamW8bitOptions } from "./adamw-8bit.js";
export { clipGradNorm } from "./clip-grad.js";
