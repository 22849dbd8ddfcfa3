import type { ChatMessage } from "../trpc.ts";
import { MessageItem } from "./message-item.tsx";

interface MessageListProps {
  messages: ChatMessage[];
  /** The chat has older messages than the newest page this client loads. */
  hasOlder: boolean;
  streaming: boolean;
}

export function MessageList({ messages, hasOlder, streaming }: MessageListProps) {
  if (messages.length === 0) {
    return (
      <div className="message-scroller">
        <p className="empty-chat">Ask anything. Replies stream in from your local model.</p>
      </div>
    );
  }
  return (
    // column-reverse keeps the view pinned to the newest text while it streams, without scroll code.
    <div className="message-scroller">
      {/* aria-busy holds back screen-reader announcements until a reply is whole. */}
      <div className="message-list" role="log" aria-label="Messages" aria-busy={streaming}>
        {hasOlder && <p className="message-list-note">Older messages are not shown yet.</p>}
        {messages.map((message) => (
          <MessageItem key={message.id} message={message} />
        ))}
      </div>
    </div>
  );
}
