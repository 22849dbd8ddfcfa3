/** The fields branch selection needs; the web's ChatMessage has them. */
export interface ThreadNode {
  id: string;
  parentId: string | null;
}

/** One message on the shown branch, with the versions it can be switched to (ChatGPT's "‹ 2/3 ›"). */
export interface BranchEntry<Message extends ThreadNode> {
  message: Message;
  /** Ids of this message and its siblings, oldest first. */
  versions: string[];
  /** Position of this message in `versions`. */
  versionIndex: number;
}

/** Which child the reader picked, per parent id (`root` for the chat's first messages). */
export type BranchChoices = ReadonlyMap<string, string>;

export const rootKey = "root";

export function parentKey(message: ThreadNode): string {
  return message.parentId ?? rootKey;
}

/**
 * The branch to show: from the root down, at every fork the reader's pick or else the newest
 * child, so a regenerated reply or an edited message shows at once. Messages arrive oldest
 * first, which is also the order of `versions`. A child whose parent is missing (a thread the
 * server cut to its newest messages) starts the branch.
 */
export function selectBranch<Message extends ThreadNode>(messages: readonly Message[], choices: BranchChoices): BranchEntry<Message>[] {
  const byId = new Map(messages.map((message) => [message.id, message]));
  const children = new Map<string, Message[]>();
  for (const message of messages) {
    const key = message.parentId !== null && byId.has(message.parentId) ? message.parentId : rootKey;
    const siblings = children.get(key);
    if (siblings) siblings.push(message);
    else children.set(key, [message]);
  }
  const branch: BranchEntry<Message>[] = [];
  let key: string | null = rootKey;
  while (key !== null) {
    const siblings = children.get(key);
    if (!siblings || siblings.length === 0) break;
    const chosenId = choices.get(key);
    const chosen = siblings.find((sibling) => sibling.id === chosenId) ?? siblings.at(-1)!;
    branch.push({ message: chosen, versions: siblings.map((sibling) => sibling.id), versionIndex: siblings.indexOf(chosen) });
    key = chosen.id;
  }
  return branch;
}
