/**
 * A chat is a tree: editing or regenerating adds a sibling. The messages that are not
 * ancestors of `leafId` (null: the next message starts a new root, so none are) belong to
 * other branches; memory must not bring them into this branch's context.
 */
export function messagesOffBranch(messages: ReadonlyArray<{ id: string; parentId: string | null }>, leafId: string | null): string[] {
  const parentOf = new Map(messages.map((message) => [message.id, message.parentId]));
  const onBranch = new Set<string>();
  for (let id = leafId; id !== null && !onBranch.has(id); id = parentOf.get(id) ?? null) onBranch.add(id);
  return messages.filter((message) => !onBranch.has(message.id)).map((message) => message.id);
}
