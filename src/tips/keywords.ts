// Keywords a tipster can text or message on any messaging channel (SMS through Twilio or the
// hotline's own phone, WeChat): opt out, opt back in, ask for help, force a new tip.

export type SmsKeyword = 'stop' | 'start' | 'help' | 'new';

const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', '退订', 'TD']);
const START = new Set(['START', 'UNSTOP', 'YES']);
const HELP = new Set(['HELP', '帮助', 'INFO']);

/**
 * Opt-out/in and help keywords count only as the whole message (like carriers do), so
 * "stop the leak upstairs" is a tip; NEW/新 may also start a longer message.
 */
/** Longer than any keyword (UNSUBSCRIBE) with a line of trailing punctuation. */
const KEYWORD_MAX_CHARS = 64;

export function parseKeyword(body: string): { keyword: SmsKeyword | null; word: string; rest: string } {
  const text = body.trim();
  // NFKC folds full-width letters (ＳＴＯＰ) typed on Chinese keyboards. A keyword is the whole
  // message, so a text longer than any keyword with some trailing punctuation is not one, and is
  // not normalized here (up to 10,000 characters on every webhook's hot path).
  const whole =
    text.length > KEYWORD_MAX_CHARS
      ? ''
      : text
          .normalize('NFKC')
          .replace(/[\s.!！。]+$/u, '')
          .toUpperCase();
  if (STOP.has(whole)) return { keyword: 'stop', word: whole, rest: '' };
  if (START.has(whole)) return { keyword: 'start', word: whole, rest: '' };
  if (HELP.has(whole)) return { keyword: 'help', word: whole, rest: '' };
  // Chinese has no spaces: 新 counts only alone or before a space or punctuation, so 新建小区… stays a tip.
  const m = text.match(/^(NEW|新)(?=$|[\s:：,，.。!！])[\s:：,，.。!！]*/iu);
  if (m) return { keyword: 'new', word: m[1], rest: text.slice(m[0].length).trim() };
  return { keyword: null, word: '', rest: text };
}
