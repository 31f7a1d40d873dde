import { describe, expect, it } from "vitest";
import { waitQuietly } from "../../../runtime/kernels/launch.js";
import { describeWebGPU, gpu } from "../../support/webgpu.js";

describe("waitQuietly", () => {
  it("resolves with the promise's value and passes a rejection on", async () => {
    const later = new Promise<number>((resolve) => setTimeout(() => resolve(7), 20));
    expect(await waitQuietly(later)).toBe(7);
    await expect(waitQuietly(Promise.reject(new Error("lost")))).rejects.toThrow("lost");
  });

  it("sleeps instead of spinning: a 200 ms wait costs far less than 200 ms of CPU", async () => {
    const cpu0 = process.cpuUsage();
    await waitQuietly(new Promise((resolve) => setTimeout(resolve, 200)));
    const used = process.cpuUsage(cpu0);
    expect((used.user + used.system) / 1000).toBeLessThan(100);
  });
});

describeWebGPU("waitQuietly on the device", () => {
  it("settles onSubmittedWorkDone", async () => {
    const { device } = await gpu();
    device.queue.submit([device.createCommandEncoder().finish()]);
    await expect(waitQuietly(device.queue.onSubmittedWorkDone())).resolves.toBeUndefined();
  });
});
