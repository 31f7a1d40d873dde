import { describe, expect, it } from "vitest";
import { describeWebGPU, gpu } from "../../support/webgpu.js";
import {
  embeddingSortEntries,
  encodeEmbeddingBackward,
  encodeEmbeddingForward,
  type EmbeddingShape,
} from "../../../runtime/kernels/embedding.js";
import {
  embeddingBackwardReference,
  embeddingForwardReference,
} from "../../../runtime/kernels/reference/embedding.js";
import {
  GpuScratch,
  dotLoss,
  expectClose,
  expectGradientMatches,
  freshSeed,
  randn,
  rngFor,
  toF64,
} from "./llm-kernel-helpers.js";

const seed = freshSeed();

describeWebGPU(`embedding kernels (seed ${seed})`, () => {
  const cases: [EmbeddingShape, number | undefined][] = [
    [{ tokens: 67, vocab: 50, dim: 33 }, undefined],
    [{ tokens: 300, vocab: 7, dim: 5 }, 3], // many repeats, a padding id
    [{ tokens: 1, vocab: 1000, dim: 129 }, undefined],
  ];
  cases.forEach(([shape, paddingId], n) => {
    it(`lookup and deterministic scatter-add gradient match the reference (T=${shape.tokens} V=${shape.vocab} D=${shape.dim})`, async () => {
      const { device } = await gpu();
      const s = new GpuScratch(device);
      const rng = rngFor(seed, n);
      const ids = Uint32Array.from({ length: shape.tokens }, () => rng.int(shape.vocab));
      if (shape.tokens > 2) ids[1] = shape.vocab + 5; // out of range: zeros, no gradient
      const table = randn(rng, shape.vocab * shape.dim),
        dout = randn(rng, shape.tokens * shape.dim);
      const bids = s.upload(ids),
        btable = s.upload(table),
        bdout = s.upload(dout);
      const out = s.empty(shape.tokens * shape.dim),
        dtable = s.upload(new Float32Array(table.length).fill(7));
      const keys = s.empty(2 * embeddingSortEntries(shape.tokens));
      const run = () =>
        s.run((enc) => {
          encodeEmbeddingForward(device, enc, shape, { ids: bids, table: btable, out });
          encodeEmbeddingBackward(
            device,
            enc,
            shape,
            { ids: bids, dout: bdout, keys, dtable },
            { paddingId },
          );
        });
      run();
      expectClose(
        await s.read(out, shape.tokens * shape.dim),
        embeddingForwardReference(shape, ids, table),
        "out",
      );
      const first = await s.read(dtable, table.length);
      expectClose(first, embeddingBackwardReference(shape, ids, dout, paddingId), "dtable");
      run();
      expect(await s.read(dtable, table.length)).toEqual(first); // bitwise deterministic
      s.dispose();
    });
  });
});

describe("embedding reference", () => {
  it("gradient matches finite differences", () => {
    const shape = { tokens: 6, vocab: 4, dim: 3 };
    const ids = [1, 3, 1, 0, 1, 2];
    const table = toF64(randn(rngFor(seed, 9), 12));
    const dout = randn(rngFor(seed, 10), 18);
    const g = embeddingBackwardReference(shape, ids, dout);
    expectGradientMatches(
      () => dotLoss(embeddingForwardReference(shape, ids, table), dout),
      table,
      g,
      "dtable",
    );
  });
});
