// Editors read what the tipster wrote this time, not the thread below it or the signature.
// The full text stays in Message.fullBody and the raw bytes in the Submission.

/** Lines that start the quoted original in the clients residents use (163, QQ, Foxmail, Outlook, Gmail, Apple Mail). */
const QUOTE_STARTS: RegExp[] = [
  /^-{2,}\s*原始邮件\s*-{2,}\s*$/, // 163 / Foxmail "-----原始邮件-----", QQ "------------------ 原始邮件 ------------------"
  /^-{2,}\s*Original\s+Message\s*-{2,}\s*$/i,
  /^-{2,}\s*回复的原邮件\s*-{2,}\s*$/,
  /^_{8,}\s*$/, // Outlook's rule above "From: ... Sent: ..."
  /^在\s*.{0,200}写道\s*[:：]\s*$/, // "在 2026年3月21日 15:02，王先生 <a@163.com> 写道："
  /^On\s.{0,300}wrote\s*:\s*$/i,
  /^.{0,80}\d{4}[-/年].{0,120}(?:写道|wrote)\s*[:：]\s*$/i, // "2026-03-21 15:02 GMT+08:00 王先生 <...>:" variants ending in 写道/wrote
];

/** Labels of a quoted header block ("发件人：… 发送时间：… 收件人：… 主题：…"). */
const HEADER_LABEL = /^\s*[*]?(?:发件人|发送时间|日期|收件人|抄送|主题|From|Sent|Date|To|Cc|Subject)\s*[*]?\s*[:：]/i;
const HEADER_START = /^\s*[*]?(?:发件人|From)\s*[*]?\s*[:：]/i;

/** Phone and webmail footers that say nothing about the tip. */
const DEVICE_FOOTER =
  /^\s*(?:发自我的|来自我的|从我的|Sent from my|Sent from Mail for|Get Outlook for|发自网易邮箱|来自网易邮箱|发自\s*Mail Master|来自\s*QQ邮箱|发自\s*QQ邮箱|发自(?:我的)?(?:iPhone|iPad|华为|小米|荣耀|OPPO|vivo)|发自.{0,20}客户端).{0,60}$/i;

function splitLines(text: string): string[] {
  return text.replace(/\r\n?/g, '\n').split('\n');
}

/** Index of the line where quoted history begins, or -1. */
function quoteStart(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    if (QUOTE_STARTS.some((re) => re.test(line))) return i;
    // A "写道：" / "wrote:" attribution folded over two lines.
    if (i + 1 < lines.length && /^(?:在|On)\s/.test(line)) {
      const joined = `${line} ${lines[i + 1].trim()}`;
      if (/^在\s.{0,240}写道\s*[:：]\s*$/.test(joined) || /^On\s.{0,340}wrote\s*:\s*$/i.test(joined)) return i;
    }
    // A quoted header block: "发件人：" followed by at least two more header labels.
    if (HEADER_START.test(line)) {
      let labels = 1;
      for (let j = i + 1; j < Math.min(lines.length, i + 8); j++) if (HEADER_LABEL.test(lines[j])) labels++;
      if (labels >= 3) return i;
    }
  }
  return -1;
}

/**
 * The part of a reply the sender wrote: cuts at the quoted original, drops "> " lines and the
 * signature ("-- " line, phone footers). Falls back to the whole text when nothing would remain.
 */
export function stripQuoted(text: string): string {
  const lines = splitLines(text);
  const cut = quoteStart(lines);
  let kept = cut >= 0 ? lines.slice(0, cut) : lines;
  const sig = kept.findIndex((l) => l === '-- ' || l === '--');
  if (sig >= 0) kept = kept.slice(0, sig);
  kept = kept.filter((l) => !/^\s*>/.test(l) && !DEVICE_FOOTER.test(l));
  const out = kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return out || text.replace(/\r\n?/g, '\n').trim();
}
