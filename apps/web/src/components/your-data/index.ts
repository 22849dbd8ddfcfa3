export { downloadFile } from "./download-file.ts";
export { ExportChatMenu } from "./export-chat-menu.tsx";
export { MemoryAndDataPage } from "./memory-and-data-page.tsx";
