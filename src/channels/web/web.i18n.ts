import type { Config } from '../../config.js';

// The page's words, Chinese and English. The privacy notice follows the Personal Information
// Protection Law (个人信息保护法): what is kept, why, for how long, who sees it, and the tipster's rights.

export type Lang = 'zh' | 'en';
export const langOf = (v: unknown): Lang => (v === 'en' ? 'en' : 'zh');

/** CONTACT_RETENTION_DAYS when the privacy settings exist (another part of the service adds them), else 365. */
export function retentionDays(config: Config): number {
  const v = Number(Reflect.get(config, 'CONTACT_RETENTION_DAYS'));
  return Number.isInteger(v) && v > 0 ? v : 365;
}

export function texts(lang: Lang, config: Config) {
  const maxMb = Math.floor(config.ATTACHMENT_MAX_BYTES / 1024 / 1024);
  const days = retentionDays(config);
  const [zhName, enName] = config.HOTLINE_NAME.includes(' / ') ? config.HOTLINE_NAME.split(' / ', 2) : [config.HOTLINE_NAME, config.HOTLINE_NAME];
  const phone = config.HOTLINE_PHONE;
  if (lang === 'en')
    return {
      htmlLang: 'en',
      title: `Send a tip · ${enName}`,
      heading: 'Send us a tip',
      other: { href: '?lang=zh', label: '中文' },
      intro: `Seen something in your home, building or neighbourhood that the paper should know about? Tell us here. Urgent? Call ${phone}.`,
      body: 'What happened',
      required: 'required',
      bodyHint: 'What, when, who is affected. The more detail the better.',
      location: 'Where (optional)',
      locationHint: 'e.g. Pingcheng District, the building and street',
      photos: `Photos (optional, up to 9, each at most ${maxMb} MB)`,
      contact: 'How to reach you (optional)',
      contactHint: 'An editor may contact you to check details. You may also stay anonymous.',
      name: 'Name',
      phone: 'Phone',
      email: 'Email',
      consent: 'I have read and agree to the privacy notice below (needed when you leave a name, phone or email).',
      submit: 'Send tip',
      sending: 'Sending…',
      noscriptChallenge: 'This form needs JavaScript at the moment (spam protection). Please turn it on, or call us.',
      tooMany: 'At most 9 photos.',
      tooBig: `Each photo must be at most ${maxMb} MB.`,
      notImage: 'Only photos can be sent.',
      network: 'The connection failed. Your text is still here: please try again.',
      thanks: 'Thank you: we received your tip',
      reference: 'Reference',
      keepLink:
        'Your private status link: keep it. It shows how your tip is going and lets you add to it. Anyone with the link can see the status, so do not share it.',
      openStatus: 'Open status page',
      another: 'Send another tip',
      statusTitle: 'Your tip',
      received: 'Received',
      status: 'Status',
      followTitle: 'Add something',
      followBody: 'More details (optional if you add photos)',
      followSubmit: 'Send addition',
      followThanks: 'Thank you: your addition was received.',
      back: 'Back to the status page',
      errorTitle: 'Something needs fixing',
      notFound: 'This page does not exist.',
      privacyTitle: 'Privacy notice',
      privacy: [
        `What we keep: what you write, the place, your photos and, only if you give them, your name, phone number and email address.`,
        `Why: to check and follow up your tip and to answer you (we send the reference to the phone or email you leave).`,
        `Who sees it: editors and the reporter working on your tip at the paper. Your contact details are never published and never given to anyone else unless the law requires it.`,
        `How long: contact details are deleted ${days} days after the last activity on your tip; the tip itself stays in the newsroom's records.`,
        `Your rights: to see, correct or delete your details, call ${phone} and give your reference.`,
      ],
    };
  return {
    htmlLang: 'zh-CN',
    title: `我要爆料 · ${zhName}`,
    heading: '我要爆料',
    other: { href: '?lang=en', label: 'English' },
    intro: `家里、楼里、小区里遇到了什么事，想让报社知道？请在这里告诉我们。情况紧急请拨打 ${phone}。`,
    body: '发生了什么',
    required: '必填',
    bodyHint: '什么事、什么时候、影响到谁，写得越具体越好。',
    location: '在哪里（选填）',
    locationHint: '如：平城区某小区某号楼、某街道',
    photos: `照片（选填，最多 9 张，每张不超过 ${maxMb} MB）`,
    contact: '联系方式（选填）',
    contactHint: '留下联系方式，编辑可能联系您核实情况；不留也可以匿名爆料。',
    name: '称呼',
    phone: '电话',
    email: '电子邮箱',
    consent: '我已阅读并同意下方《个人信息保护说明》（留下称呼、电话或邮箱时必须勾选）。',
    submit: '提交爆料',
    sending: '正在提交…',
    noscriptChallenge: '为防止垃圾信息，本页目前需要启用 JavaScript 才能提交；也可以直接打电话给我们。',
    tooMany: '照片最多 9 张。',
    tooBig: `每张照片不能超过 ${maxMb} MB。`,
    notImage: '只能上传照片。',
    network: '网络连接失败，您填写的内容还在，请再试一次。',
    thanks: '谢谢！我们已收到您的爆料',
    reference: '编号',
    keepLink: '这是您的专属进度链接，请保存：可以查看处理进展，也可以补充情况和照片。拿到链接的人都能看到进度，请不要转发。',
    openStatus: '查看进度',
    another: '再报一条',
    statusTitle: '您的爆料',
    received: '收到时间',
    status: '进展',
    followTitle: '补充情况',
    followBody: '补充内容（只传照片时可不填）',
    followSubmit: '提交补充',
    followThanks: '谢谢！补充内容已收到。',
    back: '返回进度页',
    errorTitle: '请修改后再提交',
    notFound: '页面不存在。',
    privacyTitle: '个人信息保护说明',
    privacy: [
      '我们保存什么：您写下的内容、地点、照片；只有在您填写时，才保存您的称呼、电话和电子邮箱。',
      '为什么：用于核实、跟进您的爆料并回复您（编号会发到您留下的电话或邮箱）。',
      '谁能看到：本报负责该爆料的编辑和记者。您的联系方式不会见报，除法律规定外不会提供给任何其他人。',
      `保存多久：联系方式在该爆料最后一次处理后 ${days} 天删除；爆料内容本身留存于编辑部记录。`,
      `您的权利：如需查阅、更正或删除您的个人信息，请拨打 ${phone} 并告知编号。`,
    ],
  };
}
export type Texts = ReturnType<typeof texts>;
