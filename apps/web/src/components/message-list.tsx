import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { recalledScroll, rememberScroll } from "../hooks/use-scroll-memory.ts";
import type { BranchEntry } from "../thread/branches.ts";
import type { ChatMessage } from "../trpc.ts";
import { MessageItem } from "./message-item.tsx";

interface MessageListProps {
  chatId: string;
  entries: BranchEntry<ChatMessage>[];
  /** The server sent only the newest messages of a very long chat. */
  truncated: boolean;
  streaming: boolean;
  busy: boolean;
  onSelectVersion: (message: ChatMessage, versionId: string) => void;
  onEdit: (message: ChatMessage, content: string) => Promise<boolean>;
  onRegenerate: (message: ChatMessage) => void;
  /** Where replies may show images from (the operator's RECALL_IMAGE_ORIGINS). */
  imageOrigins: readonly string[];
  /** What an empty chat says instead of the default invitation. */
  emptyNote?: string;
}

/** Within this many pixels of the end counts as "at the newest message". */
const bottomSlack = 48;

/**
 * Only the messages on screen (plus a few) are in the DOM, so a chat of thousands opens
 * and scrolls like a short one. Heights are measured as rows render. While the reader is at
 * the bottom the view follows new text; scrolled up, it stays put.
 */
export function MessageList(props: MessageListProps) {
  const { chatId, entries, truncated, streaming, busy, onSelectVersion, onEdit, onRegenerate, imageOrigins, emptyNote } = props;
  const scrollerRef = useRef<HTMLDivElement>(null);
  const [memory] = useState(() => recalledScroll(chatId));
  const pinnedRef = useRef((memory?.offset ?? null) === null);
  // Shown as a "Jump to newest" button while the reader is scrolled up.
  const [awayFromEnd, setAwayFromEnd] = useState(!pinnedRef.current);
  // When the reader last touched the scroller: only they can unpin the view, never a re-measure.
  const userScrolledAtRef = useRef(Number.NEGATIVE_INFINITY);
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => scrollerRef.current,
    estimateSize: () => 120,
    overscan: 4,
    // Before the scroller is measured: assume it fills the window, so the first render already
    // holds the rows that end up on screen (no second render of Markdown after a scroll).
    initialRect: { width: 0, height: typeof window === "undefined" ? 800 : window.innerHeight },
    getItemKey: (index) => entries[index]?.message.id ?? index,
    initialMeasurementsCache: memory?.measurements ?? [],
  });

  // The scroller jumps to the reader's place (or the end) as soon as it exists, and rows render
  // once the virtualizer has seen that position (its first scroll event, before the next paint).
  // Otherwise the first render would lay out the chat's oldest messages only to scroll away.
  const [positioned, setPositioned] = useState(false);
  const attachScroller = useCallback(
    (element: HTMLDivElement | null) => {
      scrollerRef.current = element;
      if (!element) return;
      element.scrollTop = memory?.offset ?? element.scrollHeight;
      // At the top (or nothing to scroll): no scroll event comes, and offset 0 is right.
      if (element.scrollTop === 0) setPositioned(true);
    },
    [memory],
  );
  const showRows = positioned || (virtualizer.scrollOffset ?? 0) > 0;

  const scrollToEnd = useCallback(() => {
    const scroller = scrollerRef.current;
    if (scroller) scroller.scrollTop = scroller.scrollHeight;
  }, []);

  // Opening a chat: back to where the reader was, or the newest message.
  useLayoutEffect(() => {
    const offset = memory?.offset ?? null;
    if (offset !== null) virtualizer.scrollToOffset(offset);
    // Leaving the chat keeps its measured heights for the way back.
    return () => rememberScroll(chatId, { measurements: virtualizer.measurementsCache });
    // Only when the chat changes; the list is keyed by chat.
  }, [chatId]);

  const totalSize = virtualizer.getTotalSize();
  const lastId = entries.at(-1)?.message.id;
  // New messages, measured heights and streamed text all change the total size.
  useEffect(() => {
    if (pinnedRef.current) scrollToEnd();
  }, [totalSize, lastId, scrollToEnd]);

  // A streaming reply grows inside its row before the virtualizer re-measures it.
  useEffect(() => {
    const scroller = scrollerRef.current;
    const content = scroller?.firstElementChild;
    if (!scroller || !content) return;
    const observer = new ResizeObserver(() => {
      if (pinnedRef.current) scrollToEnd();
    });
    observer.observe(content);
    return () => observer.disconnect();
  }, [scrollToEnd]);

  function noteUserScroll() {
    userScrolledAtRef.current = performance.now();
  }

  function handleScroll() {
    const scroller = scrollerRef.current;
    if (!scroller) return;
    const atEnd = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < bottomSlack;
    const byReader = performance.now() - userScrolledAtRef.current < 1000;
    if (atEnd) pinnedRef.current = true;
    else if (byReader) pinnedRef.current = false;
    else if (pinnedRef.current) {
      // Heights were re-measured under a pinned view: stay at the newest message.
      scrollToEnd();
      return;
    }
    setAwayFromEnd(!pinnedRef.current);
    rememberScroll(chatId, { offset: pinnedRef.current ? null : scroller.scrollTop });
  }

  function jumpToNewest() {
    pinnedRef.current = true;
    setAwayFromEnd(false);
    scrollToEnd();
  }

  const lastReplyIndex = entries.findLastIndex((entry) => entry.message.role === "assistant");
  const items = showRows ? virtualizer.getVirtualItems() : [];

  if (entries.length === 0) {
    return (
      <div className="message-scroller">
        <p className="empty-chat">{emptyNote ?? "Ask anything. Replies stream in from your local model."}</p>
      </div>
    );
  }
  return (
    <div className="message-pane">
      <div
        className="message-scroller"
        ref={attachScroller}
        onScroll={handleScroll}
        onWheel={noteUserScroll}
        onTouchMove={noteUserScroll}
        onPointerDown={noteUserScroll}
        onKeyDown={noteUserScroll}
      >
        {truncated && <p className="message-list-note">This chat is very long: only its newest messages are shown.</p>}
        {/* aria-busy holds back screen-reader announcements until a reply is whole. */}
        <div className="message-list" role="log" aria-label="Messages" aria-busy={streaming} style={{ height: totalSize }}>
          <div className="message-window" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
            {items.map((item) => {
              const entry = entries[item.index]!;
              return (
                <div key={item.key} className="message-row" data-index={item.index} ref={virtualizer.measureElement}>
                  <MessageItem
                    entry={entry}
                    busy={busy}
                    isLastReply={item.index === lastReplyIndex}
                    onSelectVersion={onSelectVersion}
                    onEdit={onEdit}
                    onRegenerate={onRegenerate}
                    imageOrigins={imageOrigins}
                  />
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {awayFromEnd && (
        <button type="button" className="jump-to-newest" onClick={jumpToNewest}>
          {streaming ? "New text below ↓" : "Jump to newest ↓"}
        </button>
      )}
    </div>
  );
}
