// A small translation table: Chinese by default, English on request (kept in localStorage). The
// English strings are a chunk of their own (strings-en.ts), fetched only by a page that shows
// English: main.ts loads them before the first view and on the language switch.

import { deskZh, type DeskKey } from './strings-desk.js';
import { placesZh, type PlacesKey } from './strings-places.js';
import { incidentsZh, type IncidentsKey } from './strings-incidents.js';

export type Lang = 'zh' | 'en';

const zh = {
  appName: '爆料台',
  login: '登录',
  logout: '退出',
  email: '邮箱',
  password: '密码',
  loginFailed: '登录失败',
  inbox: '收件箱',
  leads: '我的线索',
  health: '接收状态',
  langSwitch: 'EN',
  untriaged: '待分类',
  all: '全部',
  household: '居家事',
  neighborhood: '邻里事',
  community: '社区事',
  status: '状态',
  category: '栏目',
  channel: '渠道',
  assignee: '负责记者',
  priority: '优先级',
  anyStatus: '全部状态',
  anyCategory: '全部栏目',
  anyChannel: '全部渠道',
  anyAssignee: '全部记者',
  unassigned: '未分配',
  search: '搜索（/）',
  noTips: '没有符合条件的爆料',
  loadMore: '加载更多',
  loading: '加载中…',
  suggested: '建议',
  reference: '编号',
  age: '时间',
  tipster: '爆料人',
  anonymous: '匿名',
  justNow: '刚刚',
  minutesAgo: '{n} 分钟前',
  hoursAgo: '{n} 小时前',
  daysAgo: '{n} 天前',
  assign: '分配',
  assignTo: '分配给记者',
  merge: '合并',
  mergeInto: '并入该条',
  mergePick: '选择要并入的相关爆料',
  noRelated: '没有相关爆料',
  noReporters: '没有可分配的记者',
  cancel: '取消',
  open: '打开',
  back: '返回',
  thread: '往来记录',
  notes: '备注',
  addNote: '添加备注',
  history: '操作历史',
  related: '相关爆料',
  reply: '回复爆料人',
  replyVia: '将通过{channel}发送',
  send: '发送',
  sent: '已发送',
  inbound: '来信',
  outbound: '回复',
  showFull: '显示完整原文',
  attachments: '附件',
  download: '下载',
  dangerous: '可能有害的文件',
  transcript: '录音转写',
  voicemail: '语音留言',
  claim: '认领',
  release: '释放',
  startWork: '开始采访',
  publish: '已发表',
  myLeads: '我的线索',
  pool: '线索池',
  noLeads: '暂无线索',
  contact: '联系方式',
  conflict: '这条爆料刚被别人改过，已刷新，请再试一次',
  saved: '已保存',
  error: '出错了',
  retry: '重试',
  quarantined: '隔离的来件',
  noQuarantined: '没有隔离的来件',
  healthUnavailable: '接收状态暂不可用',
  'replyBlocked.no_contact': '爆料人没有留下联系方式，无法回复。',
  'replyBlocked.no_email': '爆料人没有留下邮箱，无法邮件回复。',
  'replyBlocked.no_phone': '爆料人没有留下手机号，无法短信回复。',
  'replyBlocked.sms_opt_out': '爆料人已退订短信（STOP），不能再发短信。',
  'replyBlocked.wechat_window': '距爆料人最后一条微信消息已超过48小时，公众号无法再主动回复。',
  'replyBlocked.email_off': '邮件发送未配置（SMTP_URL）：回复会记录在案，但不会发出。',
  'replyBlocked.sms_off': '短信发送未配置：回复会记录在案，但不会发出。',
  channelsOnOff: '渠道',
  adapterOn: '已开启',
  adapterOff: '未开启',
  lastPoll: '最近接收',
  lastSuccess: '最近成功',
  lastError: '最近错误',
  seen: '收到',
  stored: '入库',
  skipped: '跳过',
  duplicates: '重复',
  backlog: '待处理',
  never: '从未',
  receivedAt: '接收时间',
  retried: '已重新排队',
  shortcuts: '快捷键：j/k 上下 · 1/2/3 或 h/n/c 分类 · a 分配 · m 合并 · x 勾选 · u 撤销 · / 搜索 · Enter 打开 · ? 全部快捷键',
  messages: '{n} 条消息',
  title: '标题',
  location: '地点',
  save: '保存',
  delete: '删除',
  newTips: '有 {n} 条新爆料',
  filedAs: '已归入{cat}',
  assignedTo: '已分配给 {name}',
  merged: '已合并',
  claimed: '已认领',
  released: '已释放',
  deliveryState: '投递状态',
  author: '作者',
  system: '系统',
  'status.NEW': '新爆料',
  'status.TRIAGED': '已分类',
  'status.ASSIGNED': '已分配',
  'status.CLAIMED': '已认领',
  'status.IN_PROGRESS': '采访中',
  'status.PUBLISHED': '已发表',
  'status.DISMISSED': '已驳回',
  'status.MERGED': '已合并',
  'channel.EMAIL': '邮件',
  'channel.SMS': '短信',
  'channel.VOICE': '电话',
  'channel.WEB': '网页',
  'channel.WECHAT': '微信公众号',
  'channel.SMS_GATEWAY': '热线短信',
  'reason.same_tipster': '同一爆料人',
  'reason.similar_text': '内容相似',
  'action.tip.created': '收到爆料',
  'action.tip.categorized': '分类',
  'action.tip.updated': '修改',
  'action.tip.status_changed': '状态变更',
  'action.tip.assigned': '分配',
  'action.tip.claimed': '认领',
  'action.tip.released': '释放',
  'action.claim.expiry_warned': '提醒记者认领即将过期',
  'action.tip.merged_from': '其他爆料并入本条',
  'action.tip.merged_into': '已并入另一条爆料',
  'action.note.added': '添加备注',
  'action.reply.queued': '回复爆料人',
  'action.message.received': '收到新消息',
  'health.ok': '正常',
  'health.unknown': '尚无数据',
  'health.failing': '出错',
  'health.stale': '停滞',
  'priority.low': '低',
  'priority.normal': '普通',
  'priority.high': '高',
  'priority.urgent': '紧急',
  'delivery.RECEIVED': '已收到',
  'delivery.QUEUED': '排队中',
  'delivery.SENT': '已送达',
  'delivery.DELIVERED': '对方已收到',
  'delivery.FAILED': '发送失败',
  'delivery.SUPPRESSED': '未发送（已退订）',
  'attachment.PENDING': '下载中',
  'attachment.TOO_LARGE': '文件过大',
  'attachment.FAILED': '下载失败',
};

export type Key = keyof typeof zh | DeskKey | PlacesKey | IncidentsKey;
/** The keys of this file's own table (strings-en.ts translates each). */
export type BaseKey = keyof typeof zh;

const tables: Record<Lang, Partial<Record<Key, string>>> = { zh: { ...zh, ...deskZh, ...placesZh, ...incidentsZh }, en: {} };

/** Adds a language's strings once they have been fetched (until then, t() falls back to Chinese). */
export function addStrings(to: Lang, strings: Partial<Record<Key, string>>): void {
  Object.assign(tables[to], strings);
}

let lang: Lang = readLang();

function readLang(): Lang {
  try {
    return localStorage.getItem('tipdesk.lang') === 'en' ? 'en' : 'zh';
  } catch {
    return 'zh';
  }
}

export const currentLang = (): Lang => lang;

export function setLang(next: Lang): void {
  lang = next;
  try {
    localStorage.setItem('tipdesk.lang', next);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en';
}

/** The translation when the table has one, else the fallback (for open-ended values such as audit actions). */
export function tOr(key: string, fallback: string): string {
  const s = (tables[lang] as Record<string, string>)[key] ?? (tables.zh as Record<string, string>)[key];
  return s ?? fallback;
}

/** Translates a key; `{name}` placeholders are filled from vars. Unknown keys show themselves. */
export function t(key: Key | string, vars: Record<string, string | number> = {}): string {
  const s = (tables[lang] as Record<string, string>)[key] ?? (tables.zh as Record<string, string>)[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ''));
}
