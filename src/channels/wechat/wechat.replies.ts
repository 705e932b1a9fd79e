import type { Config } from '../../config.js';

// What the account says to the person, Chinese first (the readers write Chinese), and what
// an editor reads when WeChat refuses a message.

export type WechatReply = { kind: 'none' } | { kind: 'new' | 'followup'; reference: string } | { kind: 'welcome' } | { kind: 'help' };

export function wechatReplyText(config: Config, r: WechatReply): string | null {
  switch (r.kind) {
    case 'new':
      return `已收到您的报料，编号 ${r.reference}。编辑会尽快查看；补充文字、照片、语音或位置请直接发送。\nTip received, reference ${r.reference}.`;
    case 'followup':
      return `已收到您的补充，已加入报料 ${r.reference}。\nAdded to tip ${r.reference}.`;
    case 'welcome':
    case 'help':
      return (
        `${r.kind === 'welcome' ? '感谢关注！' : ''}${config.HOTLINE_NAME}：直接在这里发送文字、照片、语音或位置即可报料，我们会回复报料编号。` +
        `补充情况直接接着发；另报一件新事请以“新”开头。\nSend text, photos, voice or your location here to report a tip; start with NEW for a separate tip.`
      );
    default:
      return null;
  }
}

export const WINDOW_HOURS = 48;

export const WINDOW_MESSAGE =
  '已超过 48 小时：微信只允许公众号在用户最后一次发消息后 48 小时内回复，请等对方再发来消息后再回复。\n' +
  "Outside WeChat's 48-hour window: the account may only message a person within 48 hours of their last message. Wait until they write again.";

export const UNSUBSCRIBED_MESSAGE = '对方已取消关注公众号，无法再发送消息。\nThis person unfollowed the Official Account; they cannot be messaged.';

/** WeChat error codes an editor may meet, in words (the code stays in brackets for support). */
const REASONS: Record<number, string> = {
  45015: '超过 48 小时回复时限：对方最后一次发消息已超过 48 小时，微信不允许再发客服消息',
  45047: '客服消息条数已达上限：对方再次发消息后才能继续回复',
  43004: '对方已取消关注公众号',
  40003: 'OpenID 无效（不是本公众号的用户）',
  48001: '公众号没有客服消息接口权限（需认证服务号）',
  40164: '服务器 IP 不在公众号的 IP 白名单中',
  45002: '消息内容过长',
  45009: '接口调用次数超过当日上限',
  40125: 'AppSecret 无效（检查 WECHAT_APP_SECRET）',
  40013: 'AppID 无效（检查 WECHAT_APP_ID）',
};

export function wechatErrorText(code: number, errmsg: string): string {
  const why = REASONS[code] ?? `微信返回错误：${errmsg.split(' hint:')[0]}`;
  return `发送失败：${why}（错误码 ${code}）`;
}
