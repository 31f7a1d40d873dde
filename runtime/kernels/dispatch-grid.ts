/**
 * One-dimensional launches past WebGPU's 65535-workgroups-per-dimension limit: the grid is
 * folded into (x, y) and the kernel recovers the flat index with `flatIndex(gid)` (WGSL below).
 */
import { ceilDiv } from "./launch.js";

export const MAX_GROUPS_PER_DIM = 65535;

/** Workgroup counts covering `count` items with `workgroupSize` invocations each. */
export function grid1d(count: number, workgroupSize: number): [number, number] {
  const groups = Math.max(1, ceilDiv(count, workgroupSize));
  return [Math.min(groups, MAX_GROUPS_PER_DIM), ceilDiv(groups, MAX_GROUPS_PER_DIM)];
}

/** WGSL helper matching grid1d: the flat invocation index for a workgroup of `size`. */
export function flatIndexWgsl(workgroupSize: number): string {
  return /* wgsl */ `
fn flatIndex(gid: vec3u) -> u32 { return gid.x + gid.y * ${MAX_GROUPS_PER_DIM * workgroupSize}u; }
`;
}
