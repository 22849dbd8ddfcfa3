import { fillerTopics, genericFollowUps, type FillerTopic } from "./filler-topics.ts";
import type { Random } from "./random.ts";

/** One topic thread inside a session: the subject stays fixed so follow-ups make sense. */
export interface FillerThread {
  topic: FillerTopic;
  subject: string;
}

export function startThread(random: Random): FillerThread {
  const topic = random.pick(fillerTopics);
  return { topic, subject: random.pick(topic.subjects) };
}

export function openerFor(thread: FillerThread, random: Random): string {
  return fill(random.pick(thread.topic.openers), thread.subject);
}

export function followUpFor(thread: FillerThread, random: Random): string {
  return random.chance(0.6) ? random.pick(thread.topic.followUps) : random.pick(genericFollowUps);
}

/**
 * Replies come in three sizes so token counts look like real chats: a line or
 * two, one paragraph, or several paragraphs.
 */
export function replyFor(thread: FillerThread, random: Random): string {
  // One shuffle per reply, so a long answer never repeats a sentence.
  const pool = random.shuffle(thread.topic.sentences).map((sentence) => fill(sentence, thread.subject));
  const roll = random.next();
  if (roll < 0.3) return pool.slice(0, random.integer(1, 2)).join(" ");
  if (roll < 0.75) return pool.slice(0, random.integer(3, 5)).join(" ");
  const paragraphs: string[] = [];
  for (let count = random.integer(3, 5); paragraphs.length < count && pool.length > 0; ) {
    paragraphs.push(pool.splice(0, random.integer(2, 4)).join(" "));
  }
  return paragraphs.join("\n\n");
}

function fill(template: string, subject: string): string {
  const text = template.replaceAll("{subject}", subject);
  return text.charAt(0).toUpperCase() + text.slice(1);
}
