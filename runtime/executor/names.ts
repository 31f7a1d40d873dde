/** A node id or stage name as a file name (`sft.train/tokenize@base` → `sft.train_tokenize_base`). */
export function safeName(id: string): string {
  return id.replace(/[^\w.-]+/g, "_");
}
