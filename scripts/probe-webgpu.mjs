// Exits 0 and prints the adapter when Dawn finds a WebGPU adapter, 1 otherwise.
import { create, globals } from "webgpu";
Object.assign(globalThis, globals);
const gpu = create([]);
const adapter = await gpu.requestAdapter().catch(() => null);
if (!adapter) {
  console.error("probe-webgpu: no adapter");
  process.exit(1);
}
console.log(`probe-webgpu: ${adapter.info.description || adapter.info.device || "adapter found"}`);
process.exit(0);
