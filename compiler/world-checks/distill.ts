/**
 * Logit distillation compares teacher and student distributions position by position, so both
 * must use one vocabulary: the same token → id map (tokenizer) and the same number of logits.
 * Directory models are compared file by file (tokenizer.json, config.json vocab_size); an
 * inline student that shares the teacher's tokenizer (`tokenizer: teacher_base`) qualifies by
 * construction; two different tokenizers do not.
 */
import type { RelatedInformation } from "../diagnostics/diagnostic.js";
import { WORLD } from "../diagnostics/codes/world.js";
import { compareVocabularies } from "../world/tokenizer-info.js";
import { argumentSpan } from "./ast-spans.js";
import { diagnostic, fromIssue, type WorldContext } from "./context.js";
import { baseModelOf, refOf } from "./lineage.js";
import { describeModel, effectiveTokenizer, type ResolvedModel } from "./models.js";

export function checkDistillation(
  ctx: WorldContext,
  models: ReadonlyMap<string, ResolvedModel>,
): void {
  for (const stage of ctx.pipeline.stages.values()) {
    if (stage.source !== "distill") continue;
    const teacherBase = baseModelOf(ctx.pipeline, refOf(stage.args.teacher)?.stage);
    const studentBase = baseModelOf(ctx.pipeline, refOf(stage.args.student)?.stage);
    const teacher = teacherBase ? models.get(teacherBase.name) : undefined;
    const student = studentBase ? models.get(studentBase.name) : undefined;
    if (!teacher || !student || teacher === student) continue;
    const span = argumentSpan(stage, "student");
    const related: RelatedInformation[] = stage.argSpans.teacher
      ? [{ span: stage.argSpans.teacher, message: `the teacher is ${describeModel(ctx, teacher)}` }]
      : [];
    const t = effectiveTokenizer(models, teacher);
    const s = effectiveTokenizer(models, student);
    if (t.source.kind === "dir" && s.source.kind === "dir") {
      if (t.source.dir === s.source.dir) continue;
      const cmp = compareVocabularies(t.source.dir, s.source.dir);
      for (const issue of cmp.issues) ctx.report(fromIssue(ctx, issue, span, { related }));
      continue;
    }
    if (t.owner === s.owner) {
      // One tokenizer; the logit count can still differ when vocab_size is set by hand.
      checkLogitSizes(ctx, teacher, student, span, related);
      continue;
    }
    const describe = (m: ResolvedModel, owner: ResolvedModel): string => {
      const src = owner.tokenizer;
      const own =
        src.kind === "dir"
          ? `the tokenizer of ${describeModel(ctx, owner)}`
          : src.kind === "bpe"
            ? `a BPE tokenizer trained for \`${owner.stage.name}\``
            : src.kind === "char"
              ? `a character tokenizer built for \`${owner.stage.name}\``
              : "no tokenizer";
      return m === owner ? own : `${own} (via \`${m.stage.name}\`)`;
    };
    ctx.report(
      diagnostic(
        WORLD.distillVocabMismatch,
        "error",
        span,
        `\`${stage.name}\`: the student uses ${describe(student, s.owner)} but the teacher uses ${describe(teacher, t.owner)}; logit distillation needs one vocabulary`,
        student.origin === "inline"
          ? `give the student the teacher's tokenizer: \`tokenizer: ${t.owner.stage.name}\``
          : "use `teacher_answers` (simplified distillation through generated text) instead",
        related,
      ),
    );
  }
}

function checkLogitSizes(
  ctx: WorldContext,
  teacher: ResolvedModel,
  student: ResolvedModel,
  span: RelatedInformation["span"],
  related: RelatedInformation[],
): void {
  if (!teacher.arch || !student.arch || !teacher.vocabKnown || !student.vocabKnown) return;
  if (teacher.arch.vocabSize === student.arch.vocabSize) return;
  ctx.report(
    diagnostic(
      WORLD.distillLogitSizeMismatch,
      "error",
      span,
      `teacher vocab_size ${teacher.arch.vocabSize} ≠ student vocab_size ${student.arch.vocabSize}`,
      "logit distillation compares logits position by position: both models need the same vocabulary size",
      related,
    ),
  );
}
