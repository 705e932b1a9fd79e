import type { Category as CategoryName } from '../generated/prisma/enums.js';

// The starting phrase list for category suggestions. Admins edit the live copy (table
// category_rule) through /api/category-rules; this list only seeds an empty table.
// Chinese phrases match as substrings, Latin ones as whole words with inflections.
//
// The paper's three community sections:
//   居家事 HOUSEHOLD    inside one home or family: repairs (leaks, heating, gas, wiring,
//                      appliances), a family's hardship or illness, home safety, scams on the old.
//   邻里事 NEIGHBORHOOD between neighbours: noise, shared stairwells and yards, parking spots,
//                      pets (lost ones too), disputes, and neighbourly good deeds.
//   社区事 COMMUNITY    the community at large: events, health fairs, volunteers, social work,
//                      public services and facilities, roads and street works, buses.
//
// Weights: 3 = nearly decides alone, 2 = clear sign, 1–1.5 = hint (common words, or ones that
// also turn up in the other sections). A phrase found only inside a longer rule's phrase
// does not count on its own, so a specific phrase can outweigh a generic one it contains.

type Row = [phrase: string, weight: number];

// prettier-ignore
const household: Row[] = [
  // repairs inside the home
  ['漏水', 3], ['渗水', 2.5], ['水管', 2], ['爆管', 2.5], ['水龙头', 2], ['马桶', 2], ['水箱', 1.5], ['下水道', 2], ['返水', 2],
  ['堵了', 1], ['暖气', 2.5], ['暖气片', 2.5], ['地暖', 2.5], ['供暖', 2], ['取暖费', 2.5], ['不热', 2], ['热力公司', 2], ['壁挂炉', 2.5],
  ['燃气', 2], ['煤气', 2], ['漏气', 3], ['燃气灶', 2.5], ['热水器', 2.5], ['电路', 2], ['电线', 2], ['跳闸', 2], ['漏电', 2.5],
  ['插座', 2], ['电闸', 2], ['屋顶', 1.5], ['天花板', 2], ['墙皮', 2], ['墙体', 1.5], ['裂缝', 1.5], ['发霉', 2], ['霉斑', 2],
  ['窗户漏风', 3], ['防水', 2], ['装修公司', 2.5], ['家装', 2.5], ['空调', 1.5], ['冰箱', 2.5], ['洗衣机', 2], ['电视机', 2],
  ['家电', 2.5], ['售后', 2], ['保修', 2], ['门锁', 2], ['防盗门', 2], ['停水', 1.5], ['自来水', 1.5], ['水质', 1.5], ['停电', 1.5],
  ['房东', 1.5], ['木地板', 2], ['地板', 1], ['卫生间', 1.5], ['厨房', 1.5], ['卧室', 1.5], ['客厅', 1.5], ['屋里', 1.5],
  // one's own home and family
  ['我家', 1], ['家里', 1.5], ['家中', 1.5], ['在家', 1], ['老伴', 2], ['独居', 2], ['空巢', 2], ['孩子', 0.5], ['儿子', 1], ['女儿', 1],
  ['母亲', 1], ['父亲', 1], ['老人', 0.5],
  // hardship and illness
  ['生活困难', 3], ['家庭困难', 3], ['困难', 1], ['低保', 3], ['救助', 2], ['医药费', 3], ['医疗费', 3], ['治疗费', 3], ['住院', 2],
  ['化疗', 3], ['白血病', 3], ['手术', 2], ['卧床', 2.5], ['中风', 2.5], ['糖尿病', 2], ['残疾', 2.5], ['护理', 1.5], ['换药', 2],
  ['看病难', 2], ['学费', 2.5], ['助学', 2.5], ['失业', 2.5], ['下岗', 2.5], ['单亲', 2.5], ['外债', 3], ['退休金', 2], ['养老钱', 3],
  ['公租房', 2.5], ['廉租房', 2.5], ['租房', 1.5], ['房贷', 2], ['阿尔茨海默', 3], ['自闭症', 3], ['康复', 1.5],
  // home safety and scams
  ['被骗', 3], ['诈骗', 2], ['骗了', 2.5], ['摔倒', 1.5], ['摔了', 1.5], ['骨折', 2], ['着火', 1.5], ['火灾', 1], ['中毒', 2],
  ['充电', 1], ['鼓包', 2.5], ['安全隐患', 1],
  // English
  ['leak', 2.5], ['leaking', 2.5], ['water leak', 3], ['pipe', 2], ['burst', 2], ['plumbing', 2.5], ['toilet', 1.5], ['drain', 1.5],
  ['ceiling', 2], ['plaster', 2], ['damp', 2], ['mould', 2], ['mold', 2], ['heating', 2.5], ['radiator', 2.5], ['boiler', 2.5],
  ['water heater', 3], ['gas', 1.5], ['gas leak', 3], ['gas smell', 3], ['wiring', 2.5], ['electricity', 1.5], ['power cut', 1.5],
  ['tripping', 2], ['fridge', 2.5], ['washing machine', 2.5], ['air conditioner', 2], ['appliance', 2.5], ['landlord', 2],
  ['my flat', 1.5], ['my apartment', 1.5], ['our apartment', 1.5], ['our flat', 1.5], ['at home', 1.5], ['bathroom', 1.5],
  ['kitchen', 1.5], ['bedroom', 1.5], ['grandmother', 2], ['grandfather', 2], ['my mother', 1.5], ['my father', 1.5], ['lives alone', 2.5],
  ['living alone', 2.5], ['elderly', 1], ['fell', 1.5], ['hardship', 3], ['medical bills', 3], ['hospital', 1.5], ['surgery', 2],
  ['disabled', 2], ['unemployed', 2.5], ['tuition', 2.5], ['scam', 3], ['scammed', 3], ['savings', 2], ['home safety', 3],
  ['newborn', 1.5], ['pregnant', 1],
];

// prettier-ignore
const neighborhood: Row[] = [
  ['邻居', 3], ['邻里', 3], ['楼上', 2], ['楼下', 1.5], ['对门', 2.5], ['隔壁', 2.5], ['对面楼', 2.5], ['住户', 1.5], ['一户', 1.5],
  ['租户', 2], ['几户', 2], ['楼里', 1.5], ['同楼', 2], ['单元', 1],
  // noise and nuisance
  ['噪音', 3], ['扰民', 3], ['吵', 2], ['吵架', 2.5], ['半夜', 1.5], ['深夜', 1.5], ['音响', 2.5], ['广场舞', 3], ['电钻', 2.5],
  ['拍球', 2.5], ['震', 1], ['油烟', 2.5], ['烟味', 2.5], ['异味', 1.5], ['味道大', 2], ['粪', 2], ['打鸣', 2.5], ['抽烟', 1.5],
  ['滴水', 1.5], ['外机', 2.5], ['晾衣', 2],
  // shared spaces
  ['楼道', 3], ['过道', 2.5], ['楼梯间', 2.5], ['消防通道', 2.5], ['堆放', 2], ['堆满', 2], ['杂物', 2.5], ['占用', 2], ['占了', 2],
  ['霸占', 3], ['公共', 1.5], ['公用', 2.5], ['共用', 2.5], ['楼顶', 2], ['平台', 1], ['院子', 2], ['门禁', 2], ['单元门', 2.5],
  ['私搭乱建', 3], ['违建', 2.5], ['搭棚', 2.5], ['彩钢', 2], ['绿地', 1.5], ['种菜', 2.5], ['电梯', 1.5], ['楼前', 1.5],
  ['装修垃圾', 3], ['垃圾袋', 2], ['高空抛物', 3], ['往下扔', 3], ['往下倒', 3], ['乱涂乱画', 2.5], ['飞线', 2.5], ['私拉', 2.5],
  // parking
  ['车位', 2.5], ['停车', 2], ['地锁', 3], ['僵尸车', 3], ['堵车位', 3], ['划了', 2], ['挡住', 1.5], ['堵在', 2],
  // pets and animals
  ['宠物', 2.5], ['狗', 2], ['遛狗', 3], ['牵绳', 3], ['狗屎', 3], ['猫', 2], ['流浪猫', 2.5], ['鸽子', 2.5], ['养鸡', 2.5], ['走丢', 3],
  ['走失', 2], ['寻狗', 3], ['寻猫', 3], ['项圈', 3], ['重谢', 2.5],
  // disputes and good deeds
  ['纠纷', 3], ['矛盾', 2.5], ['协商', 2], ['调解', 2.5], ['口角', 3], ['不承认', 2], ['和气', 2.5], ['互助', 2.5], ['暖心', 2], ['帮忙', 1],
  ['隐私', 2], ['监控', 1.5], ['物业', 1.5],
  // English
  ['neighbor', 3], ['neighbour', 3], ['neighbors', 3], ['neighbours', 3], ['next door', 3], ['upstairs', 2.5], ['downstairs', 2],
  ['noise', 3], ['noisy', 3], ['loud', 2.5], ['music', 1.5], ['party', 2], ['parties', 2], ['bass', 2], ['barking', 3],
  ['stairwell', 3], ['hallway', 2.5], ['corridor', 2.5], ['fire lane', 3], ['lift', 1.5], ['shared', 2], ['lock on', 1.5],
  ['dispute', 3], ['mediate', 3], ['shouting', 2], ['parking', 2], ['parking space', 3], ['lost dog', 3], ['lost cat', 3], ['dog', 2],
  ['cat', 2], ['poodle', 3], ['collar', 3], ['reward', 2], ['bit', 1.5], ['smoke', 1], ['building manager', 1.5], ['good story', 2],
];

// prettier-ignore
const community: Row[] = [
  ['社区活动', 3], ['活动', 2], ['举办', 2.5], ['开展', 2.5], ['组织', 1.5], ['社区组织', 3], ['社区举办', 3], ['社区开展', 3],
  ['报名', 2.5], ['招募', 3], ['欢迎', 1.5], ['免费', 1.5], ['讲座', 2.5], ['培训', 2], ['培训班', 2.5], ['课堂', 2], ['宣传', 2.5],
  ['宣传周', 3], ['文明实践', 3], ['实践站', 3], ['党群服务', 3], ['居委会', 2], ['网格员', 3], ['社工', 3], ['社工站', 3],
  ['五社联动', 3], ['一老一小', 3], ['志愿者', 3], ['志愿服务', 3], ['义诊', 3], ['体检', 2.5], ['义写', 3], ['义卖', 3],
  ['健康', 1.5], ['卫生服务站', 3], ['疫苗', 2.5], ['接种', 2.5], ['献血', 3], ['眼科检查', 3], ['量血压', 2.5], ['血压', 1.5],
  ['老年大学', 3], ['老年食堂', 3], ['便民', 2.5], ['便民服务', 3], ['服务中心', 2], ['图书角', 3], ['图书馆', 3], ['露天电影', 3],
  ['运动会', 3], ['文艺', 2.5], ['演出', 2.5], ['表演', 2], ['敬老', 2.5], ['重阳', 2.5], ['亲子', 2], ['阅读', 2], ['节水', 3],
  ['垃圾分类', 3], ['环保', 2], ['反诈', 3], ['防诈骗讲座', 3], ['法律咨询', 3], ['心理咨询', 2.5], ['排查', 2], ['走访', 2],
  ['报道', 2], ['采访', 1.5], ['媒体', 2], ['捐赠', 2], ['捐给', 2],
  // public services and facilities, roads, transport
  ['修路', 3], ['施工', 2.5], ['封路', 3], ['道路', 2], ['马路', 2], ['主路', 2.5], ['主干道', 3], ['人行道', 3], ['盲道', 3],
  ['路口', 2], ['红绿灯', 3], ['信号灯', 3], ['路灯', 2.5], ['井盖', 3], ['下水井', 3], ['排水沟', 2.5], ['积水', 1.5], ['坑', 1.5],
  ['公交', 2.5], ['公交站', 3], ['公交卡', 3], ['站牌', 3], ['改道', 2.5], ['线路', 1.5], ['共享单车', 3], ['公厕', 3], ['公园', 2],
  ['健身器材', 3], ['充电桩', 2.5], ['广告牌', 2.5], ['城管', 3], ['市政', 3], ['部门', 1.5], ['街道办', 2.5], ['招聘', 2.5],
  ['社区', 1], ['街道', 1], ['辖区', 2], ['居民', 1],
  // English
  ['community centre', 3], ['community center', 3], ['community', 1.5], ['event', 2], ['festival', 2.5], ['workshop', 2.5],
  ['exhibition', 2.5], ['class', 2], ['classes', 2], ['volunteer', 3], ['volunteers', 3], ['health check', 3], ['health fair', 3],
  ['free', 1], ['residents', 1], ['blood donation', 3], ['vaccination', 3], ['library', 3], ['social work', 3], ['coverage', 2],
  ['road works', 3], ['roadworks', 3], ['road', 1.5], ['street light', 3], ['street lights', 3], ['traffic light', 3], ['bus', 2],
  ['bus stop', 3], ['pavement', 2.5], ['sidewalk', 2.5], ['public', 1.5], ['district', 1.5], ['clean up', 2.5], ['litter', 2],
  ['english corner', 3],
];

const rows = (category: CategoryName, list: Row[]) => list.map(([phrase, weight]) => ({ category, phrase, weight }));

export const defaultCategoryRules: { category: CategoryName; phrase: string; weight: number }[] = [
  ...rows('HOUSEHOLD', household),
  ...rows('NEIGHBORHOOD', neighborhood),
  ...rows('COMMUNITY', community),
];
