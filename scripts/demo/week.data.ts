import type { Channel } from '../../src/generated/prisma/enums.js';
import type { Category, PriorityValue } from '../../src/triage/triage.schema.js';

// A week of tips to the evening paper's community desk (平城区, Datong), written for the demo.
// Places and wording follow the paper's community page; every person, number and address is
// made up (phones in the +86 139 0352 test range, email on example.com/example.cn), so a demo
// never reaches a real resident. Times are hours before the demo starts, so the week is always "last week".

export interface DemoTriage {
  category?: Category;
  priority?: PriorityValue;
  /** How far the desk got with it (through the triage use cases, in this order). */
  status?: 'TRIAGED' | 'ASSIGNED' | 'CLAIMED' | 'IN_PROGRESS' | 'PUBLISHED' | 'DISMISSED';
  /** A duplicate told in other words: merged into the item with this key. */
  mergeInto?: string;
  note?: string;
  /** Hours after arrival the desk acted. */
  afterHours?: number;
}

export interface DemoItem {
  key: string;
  channel: Channel;
  hoursAgo: number;
  /** A phone number (SMS, voice, SMS gateway), an email address, a WeChat OpenID or a web form's contact. */
  from: string;
  name?: string;
  subject?: string;
  /** Empty for a missed call. */
  text: string;
  /** Small generated photos attached to it (channels that carry pictures in the submission itself). */
  photos?: number;
  /** The key of the earlier item this one follows up (same tipster, same thread). */
  followUpOf?: string;
  triage?: DemoTriage;
}

export const DEMO_WEEK: DemoItem[] = [
  // ── Monday-ish: a week ago ──
  {
    key: 'leak-dachi',
    channel: 'EMAIL',
    hoursAgo: 165,
    from: 'liu.guirong@example.cn',
    name: '刘桂荣',
    subject: '楼上漏水三天了，物业一直推',
    text: '编辑同志您好：我住清远街道大齿社区5号楼2单元302，楼上卫生间漏水已经三天，厨房顶棚一直往下滴，墙皮都泡起来了。找了物业两次，说要等楼上业主回来才能处理。家里有八十多岁的老人，怕电线短路，请帮忙问问。附上照片。',
    photos: 2,
    triage: { category: 'household', priority: 'high', status: 'ASSIGNED', afterHours: 2, note: '已联系大齿社区居委会，物业答应周三上门。' },
  },
  {
    key: 'light-gongnong',
    channel: 'SMS',
    hoursAgo: 160,
    from: '+8613903520101',
    text: '新旺街道工农路社区8号楼楼道灯坏了一个多月，晚上老人上下楼只能摸黑，希望社区给修一修。',
    triage: { category: 'neighborhood', status: 'PUBLISHED', afterHours: 20, note: '已见报：楼道灯当天修好。' },
  },
  {
    key: 'light-gongnong-dup',
    channel: 'VOICE',
    hoursAgo: 150,
    from: '+8613903520155',
    text: '我是工农路社区八号楼的住户，我们楼的楼道灯一个多月不亮了，黑灯瞎火的，上礼拜有老人在楼梯上摔了一跤。',
    triage: { mergeInto: 'light-gongnong', afterHours: 1 },
  },
  {
    key: 'heating-lvyuan',
    channel: 'SMS',
    hoursAgo: 158,
    from: '+8613903520102',
    text: '迎宾街道绿园社区3号楼暖气不热，屋里才14度，打热力公司电话总占线。',
    triage: { category: 'household', priority: 'high', status: 'CLAIMED', afterHours: 3 },
  },
  {
    key: 'heating-lvyuan-2',
    channel: 'SMS',
    hoursAgo: 134,
    from: '+8613903520102',
    followUpOf: 'heating-lvyuan',
    text: '今天热力公司来人了，说是单元阀门堵了，明天再来换。',
  },
  {
    key: 'elderly-liuhang',
    channel: 'EMAIL',
    hoursAgo: 152,
    from: 'zhao.min@example.com',
    name: '赵敏',
    subject: '柳航里社区新时代文明实践站的节水宣传很好',
    text: '永泰街道柳航里社区新时代文明实践站这周在小区门口发节水宣传手册，还教老人怎么看水表、查暗漏，邻居们都说实用。建议贵报社区版报道一下。',
    photos: 1,
    triage: { category: 'community', status: 'PUBLISHED', afterHours: 30 },
  },
  {
    key: 'parking-hexin',
    channel: 'SMS',
    hoursAgo: 146,
    from: '+8613903520103',
    text: '和信社区东门消防通道天天停满私家车，上周救护车都进不来，物业贴了条也没人管。',
    triage: { category: 'neighborhood', priority: 'high', status: 'TRIAGED', afterHours: 1 },
  },
  {
    key: 'missed-1',
    channel: 'VOICE',
    hoursAgo: 141,
    from: '+8613903520160',
    text: '',
  },
  {
    key: 'clinic-xima',
    channel: 'VOICE',
    hoursAgo: 138,
    from: '+8613903520161',
    text: '你好，我是武定街道西马路社区的，社区联合养老服务中心搞义诊，量血压查血糖都不要钱，想问问报社能不能来报一下，下周二还有一次。',
    triage: { category: 'community', status: 'ASSIGNED', afterHours: 4 },
  },
  {
    key: 'noise-longgang',
    channel: 'EMAIL',
    hoursAgo: 130,
    from: 'sun.lei@example.cn',
    name: '孙磊',
    subject: '龙港苑小区楼下烧烤店油烟噪音扰民',
    text: '龙港苑小区临街一层新开了烧烤店，每天营业到凌晨两点，油烟直接往楼上飘，窗户都不敢开，孩子写作业都受影响。打过12345，说会转给城管。',
    photos: 1,
    triage: { category: 'neighborhood', status: 'CLAIMED', afterHours: 5, note: '记者约了周四晚上去现场。' },
  },
  {
    key: 'noise-longgang-2',
    channel: 'EMAIL',
    hoursAgo: 105,
    from: 'sun.lei@example.cn',
    name: '孙磊',
    followUpOf: 'noise-longgang',
    text: '补充一下：昨晚城管来过，烧烤店十二点就收了，今晚再看看。谢谢你们。',
  },
  {
    key: 'elevator-tongfu',
    channel: 'SMS',
    hoursAgo: 126,
    from: '+8613903520104',
    text: '白登山街道桐府社区12号楼电梯今天又困人了，一个月第三回，里面有个孕妇，消防刚把人弄出来。',
    triage: { category: 'neighborhood', priority: 'urgent', status: 'ASSIGNED', afterHours: 0.5 },
  },
  {
    key: 'elevator-tongfu-dup',
    channel: 'SMS',
    hoursAgo: 125,
    from: '+8613903520105',
    text: '桐府小区12号楼的电梯关人了！这个月都好几次了，维保单位从来不来，出了事谁负责？',
    triage: { mergeInto: 'elevator-tongfu', afterHours: 1 },
  },
  {
    key: 'water-wenxing',
    channel: 'EMAIL',
    hoursAgo: 120,
    from: 'gao.jianguo@example.com',
    name: '高建国',
    subject: '文兴社区停水没有提前通知',
    text: '文兴社区今天早上七点突然停水，没有任何通知，一直到下午还没来水。小区里好多老人，做饭喝水都成问题。请问是管网维修还是欠费？',
    triage: { category: 'community', priority: 'high', status: 'TRIAGED', afterHours: 1 },
  },
  {
    key: 'volunteer-wenxing',
    channel: 'WECHAT',
    hoursAgo: 118,
    from: 'oDemoWenxing0001',
    text: '文兴社区志愿者周末在绿化带捡垃圾，好多小朋友也来了，拍了几张照片，发给你们看看。',
    photos: 2,
  },
  {
    key: 'dog-qiaobei',
    channel: 'SMS',
    hoursAgo: 112,
    from: '+8613903520106',
    text: '桥北社区有人遛狗不拴绳，今天早上一条大狗追着小孩跑，孩子吓哭了。',
    triage: { category: 'neighborhood', status: 'TRIAGED', afterHours: 6 },
  },
  {
    key: 'pothole-xinquan',
    channel: 'VOICE',
    hoursAgo: 108,
    from: '+8613903520162',
    text: '新泉东街社区门口那段路有个大坑，下雨积水看不见，昨天晚上一个骑电动车的摔了，胳膊都破了。',
    triage: { category: 'community', priority: 'high', status: 'CLAIMED', afterHours: 2 },
  },
  {
    key: 'gas-smell-huida',
    channel: 'SMS',
    hoursAgo: 100,
    from: '+8613903520107',
    text: '惠达社区4号楼一单元楼道里煤气味很大，已经打了燃气公司电话，还没人来，楼里都是老人！',
    triage: { category: 'household', priority: 'urgent', status: 'CLAIMED', afterHours: 0.2, note: '燃气公司二十分钟后到场，已关阀。' },
  },
  {
    key: 'gas-smell-huida-2',
    channel: 'SMS',
    hoursAgo: 99,
    from: '+8613903520107',
    followUpOf: 'gas-smell-huida',
    text: '燃气公司来了，说是楼上302的管子接口松了，已经修好。谢谢报社。',
  },
  {
    key: 'scam-lixiang',
    channel: 'EMAIL',
    hoursAgo: 96,
    from: 'wu.xiulan@example.cn',
    name: '吴秀兰',
    subject: '理想城社区有人上门推销保健品',
    text: '迎宾街道理想城社区最近有人冒充社区工作人员上门，给老人“免费体检”，然后推销几千块的保健品。我母亲差点上当。希望提醒大家。',
    triage: { category: 'community', status: 'IN_PROGRESS', afterHours: 3 },
  },
  {
    key: 'scam-lixiang-dup',
    channel: 'WEB',
    hoursAgo: 90,
    from: '+8613903520190',
    name: '钱女士',
    text: '理想城小区这几天有几个人说是社区的，挨家敲门免费量血压，量完就卖保健品，一盒一千多。',
    triage: { mergeInto: 'scam-lixiang', afterHours: 1 },
  },
  {
    key: 'bike-beixin',
    channel: 'SMS',
    hoursAgo: 88,
    from: '+8613903520108',
    text: '北馨园社区门口共享单车堆成山，人行道根本走不过去，推婴儿车只能走机动车道。',
    triage: { category: 'neighborhood', status: 'DISMISSED', afterHours: 8, note: '已转运维公司，暂不报道。' },
  },
  {
    key: 'window-yongan',
    channel: 'EMAIL',
    hoursAgo: 84,
    from: 'ma.hui@example.com',
    name: '马慧',
    subject: '家里窗户玻璃被楼上掉的花盆砸碎',
    text: '我家在永安社区7号楼一层，昨天楼上阳台的花盆被风吹掉，把我家窗户玻璃砸碎了，幸好没砸到人。楼上说不是他家的。高空坠物太危险了。',
    photos: 1,
    triage: { category: 'household', priority: 'high', status: 'TRIAGED', afterHours: 2 },
  },
  {
    key: 'eye-clinic-yongan',
    channel: 'SMS_GATEWAY',
    hoursAgo: 80,
    from: '+8613903520170',
    text: '永安社区这周六上午有眼科义诊，老人可以免费查白内障，请帮忙宣传一下。',
  },
  {
    key: 'heating-lvyuan-dup',
    channel: 'EMAIL',
    hoursAgo: 78,
    from: 'he.ping@example.cn',
    name: '何平',
    subject: '绿园小区暖气温度太低',
    text: '绿园社区3号楼的暖气一直温乎乎的，室温十四五度，家里孩子感冒了。热力公司说在查，一直没有结果。',
    triage: { mergeInto: 'heating-lvyuan', afterHours: 2 },
  },
  {
    key: 'missed-2',
    channel: 'VOICE',
    hoursAgo: 74,
    from: '+8613903520163',
    text: '',
  },
  {
    key: 'garbage-dachi',
    channel: 'SMS',
    hoursAgo: 70,
    from: '+8613903520109',
    text: '大齿社区垃圾站三天没清运了，味道很大，苍蝇到处飞。',
    triage: { category: 'community', status: 'ASSIGNED', afterHours: 4 },
  },
  {
    key: 'stairs-dachi',
    channel: 'WECHAT',
    hoursAgo: 66,
    from: 'oDemoDachi0002',
    text: '大齿社区3号楼楼梯扶手松了，一碰就晃，老人不敢扶。',
  },
  {
    key: 'kids-xingmao',
    channel: 'EMAIL',
    hoursAgo: 62,
    from: 'zheng.yu@example.com',
    name: '郑宇',
    subject: '星茂汇购物中心社工周活动',
    text: '社工宣传周在星茂汇购物中心有文艺节目和心理咨询团队陪小朋友做游戏，孩子们特别开心。现场照片发给你们。',
    photos: 2,
    triage: { category: 'community', status: 'TRIAGED', afterHours: 10 },
  },
  {
    key: 'pipe-caifu',
    channel: 'SMS',
    hoursAgo: 58,
    from: '+8613903520110',
    text: '财富官邸小区地下室水管爆了，水漫到车库，好几辆车泡在水里。',
    triage: { category: 'household', priority: 'urgent', status: 'TRIAGED', afterHours: 0.3 },
  },
  {
    key: 'pipe-caifu-dup',
    channel: 'VOICE',
    hoursAgo: 57,
    from: '+8613903520164',
    text: '财富官邸地下车库淹了，水管爆了，物业在抽水，我的车还在下面，能不能帮忙问问谁赔。',
    triage: { mergeInto: 'pipe-caifu', afterHours: 1 },
  },
  {
    key: 'square-dance',
    channel: 'SMS',
    hoursAgo: 52,
    from: '+8613903520111',
    text: '和信社区广场舞音箱声音太大，晚上九点半还在跳，楼上的学生没法复习。',
    triage: { category: 'neighborhood', status: 'TRIAGED', afterHours: 12 },
  },
  {
    key: 'ramp-lvyuan',
    channel: 'WEB',
    hoursAgo: 48,
    from: 'lin.demo@example.com',
    name: '林先生',
    text: '绿园社区卫生服务站门口的无障碍坡道被台阶挡住了，坐轮椅的老人进不去。',
    photos: 1,
  },
  {
    key: 'lost-dog',
    channel: 'SMS',
    hoursAgo: 44,
    from: '+8613903520112',
    text: '新泉东街附近捡到一只白色小狗，戴红色项圈，很乖，主人请联系。',
  },
  {
    key: 'mold-gongnong',
    channel: 'EMAIL',
    hoursAgo: 40,
    from: 'feng.xiu@example.cn',
    name: '冯秀',
    subject: '顶楼渗水发霉，维修基金申请不下来',
    text: '工农路社区10号楼顶楼，楼顶防水层老化，下雨就渗水，卧室墙角全是霉斑。申请维修基金半年了还没批。',
    photos: 1,
  },
  {
    key: 'mold-gongnong-2',
    channel: 'EMAIL',
    hoursAgo: 20,
    from: 'feng.xiu@example.cn',
    name: '冯秀',
    followUpOf: 'mold-gongnong',
    text: '今天又下雨了，渗得更厉害了，再拍一张给你们。',
    photos: 1,
  },
  {
    key: 'bus-stop',
    channel: 'VOICE',
    hoursAgo: 36,
    from: '+8613903520165',
    text: '迎宾街道这边的公交站牌被撞歪了好几天，一直没人扶正，晚上看不清站名。',
  },
  {
    key: 'library-tongfu',
    channel: 'SMS_GATEWAY',
    hoursAgo: 30,
    from: '+8613903520171',
    text: '桐府社区的社区书屋好久不开门了，孩子放学想去看书都进不去。',
  },
  {
    key: 'fire-exit',
    channel: 'SMS',
    hoursAgo: 26,
    from: '+8613903520113',
    text: '柳航里社区6号楼的安全出口被杂物堵死了，纸箱、旧家具都堆在楼道里，着火了跑都跑不出去。',
    triage: { category: 'neighborhood', priority: 'high' },
  },
  {
    key: 'heater-elder',
    channel: 'EMAIL',
    hoursAgo: 22,
    from: 'yang.fang@example.com',
    name: '杨芳',
    subject: '独居老人家里暖气片漏水',
    text: '我是大齿社区的志愿者，走访时发现一位独居老人家里暖气片在漏水，地上全是水，老人腿脚不便没法收拾，社区说要找热力公司。',
  },
  {
    key: 'cat-wenxing',
    channel: 'WECHAT',
    hoursAgo: 16,
    from: 'oDemoWenxing0003',
    text: '文兴社区车棚里有只流浪猫生了一窝小猫，天冷了，有没有爱心人士能收养？',
    photos: 1,
  },
  {
    key: 'crack-huida',
    channel: 'SMS',
    hoursAgo: 12,
    from: '+8613903520114',
    text: '惠达社区2号楼外墙裂了一条大缝，有墙皮往下掉，楼下是幼儿园的路。',
    triage: { priority: 'urgent' },
  },
  {
    key: 'streetlight',
    channel: 'SMS',
    hoursAgo: 8,
    from: '+8613903520115',
    text: '西马路社区门口的路灯一排都不亮，晚上下班回来黑乎乎的，挺吓人。',
  },
  {
    key: 'recycle-wenxing',
    channel: 'WEB',
    hoursAgo: 6,
    from: '+8613903520191',
    name: '周先生',
    text: '文兴社区的旧衣回收箱满了一个多星期没人清，衣服堆在外面被雨淋了。',
  },
  {
    key: 'water-wenxing-dup',
    channel: 'VOICE',
    hoursAgo: 4,
    from: '+8613903520166',
    text: '文兴社区又停水了，还是没通知，这已经是这个月第二回了。',
  },
  {
    key: 'leak-dachi-2',
    channel: 'EMAIL',
    hoursAgo: 3,
    from: 'liu.guirong@example.cn',
    name: '刘桂荣',
    followUpOf: 'leak-dachi',
    text: '物业今天上门了，楼上的防水要重新做，大概下周完工。谢谢你们帮忙。',
    photos: 1,
  },
  {
    key: 'pet-noise',
    channel: 'SMS',
    hoursAgo: 1,
    from: '+8613903520116',
    text: '理想城社区楼下邻居家的狗一天到晚叫，主人白天上班不在家，跟物业反映了没用。',
  },
];
