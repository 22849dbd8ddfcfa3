/**
 * Scripts that run in the page. They are strings: tsx would wrap functions in helpers the page
 * does not have, and bench's types have no DOM.
 */

export const interactiveKey = "__recallBenchInteractiveAt";
/** From the document's start: the first moment the message box is enabled and the Chats navigation exists. */
export const interactiveScript = `(() => {
  const labelOf = (box) => {
    const labelledBy = box.getAttribute("aria-labelledby");
    if (labelledBy) return labelledBy.split(/\\s+/).map((id) => document.getElementById(id)?.textContent ?? "").join(" ");
    return box.getAttribute("aria-label") ?? Array.from(box.labels ?? [], (label) => label.textContent).join(" ");
  };
  const isReady = () =>
    document.querySelector('nav[aria-label="Chats"], [role="navigation"][aria-label="Chats"]') !== null &&
    Array.from(document.querySelectorAll('textarea, input, [role="textbox"]')).some(
      (box) => /Message/.test(labelOf(box)) && !box.disabled && box.getAttribute("aria-disabled") !== "true",
    );
  const observer = new MutationObserver(() => {
    if (!isReady()) return;
    window.${interactiveKey} = performance.now();
    observer.disconnect();
  });
  observer.observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ["disabled", "aria-disabled"] });
})();`;
export const paintTimesScript = `({
  firstContentfulPaint: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
  domContentLoaded: performance.getEntriesByType("navigation")[0]?.domContentLoadedEventStart ?? null,
})`;


export const openedKey = "__recallBenchOpened";
/**
 * Armed before the click: the click's timestamp, then the first mutation that puts the marker inside
 * role=log "Messages", then the frame after it. rAF runs before that frame paints; a task posted from it runs after.
 */
export const armOpenScript = (marker: string, timeoutMs: number): string => `(() => {
  const marker = ${JSON.stringify(marker)};
  const logSelector = '[role="log"][aria-label="Messages"]';
  const holds = (node) => (node.textContent ?? "").includes(marker);
  const inLog = (node) => {
    if (!holds(node)) return false;
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    if (element?.closest(logSelector)) return true;
    const log = element?.querySelector(logSelector);
    return Boolean(log && holds(log));
  };
  const shownLog = document.querySelector(logSelector);
  if (shownLog && holds(shownLog)) throw new Error("The chat's newest message is on screen before the click.");
  let clickedAt = null;
  window.addEventListener("click", (event) => { clickedAt ??= event.timeStamp; }, { capture: true, once: true });
  window.${openedKey} = new Promise((resolve, reject) => {
    const timer = setTimeout(() => { observer.disconnect(); reject(new Error("The chat's newest message did not appear inside role=log \\"Messages\\" within ${timeoutMs} ms.")); }, ${timeoutMs});
    const observer = new MutationObserver((records) => {
      if (!records.some((record) => (record.type === "characterData" ? inLog(record.target) : Array.from(record.addedNodes).some(inLog)))) return;
      observer.disconnect();
      clearTimeout(timer);
      const seenAt = performance.now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve({ clickedAt, seenAt, paintedAt: performance.now() });
        channel.port2.postMessage(null);
      });
    });
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
})()`;
export const renderedScript = `({
  elements: document.getElementsByTagName("*").length,
  messageArticles: document.querySelectorAll('[role="log"][aria-label="Messages"] article').length,
})`;

