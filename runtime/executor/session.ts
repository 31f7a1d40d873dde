/**
 * What the nodes of one run share: the compute backend, opened when a node first needs it
 * (data-only runs never touch the GPU) and closed when the run ends.
 */
import type { Backend } from "../backend/backend.js";

export class RunSession {
  private opened?: Promise<Backend>;

  constructor(
    private readonly device: "auto" | "webgpu" | "cpu",
    private readonly notice: (message: string) => void,
  ) {}

  backend(): Promise<Backend> {
    this.opened ??= (async () => {
      const { createBackend } = await import("../backend/create-backend.js");
      const prefer = process.env.PIPE_BACKEND === "cpu" ? "cpu" : this.device;
      const backend = await createBackend({ prefer, onNotice: this.notice });
      this.notice(`compute backend: ${backend.kind === "webgpu" ? "WebGPU" : "CPU reference"}`);
      return backend;
    })();
    return this.opened;
  }

  async dispose(): Promise<void> {
    if (!this.opened) return;
    try {
      (await this.opened).dispose();
    } catch {
      // A backend that failed to open has nothing to release.
    }
  }
}
