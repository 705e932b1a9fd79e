import type { IncidentType } from './incidents.js';

// The incident taxonomy, kept as data like the category rules so an admin can extend it.
// A type is recognised by any of its phrases (substrings after number normalization), or by a
// subject and a fault word close together (电梯 … 不动了, 井盖 … 不见了): tipsters rarely use
// the stock phrase. Subjects alone are only a weak hint.

export const defaultIncidentTypes: IncidentType[] = [
  {
    code: 'elevator',
    label: '电梯故障',
    phrases: ['困梯', '被困电梯', '关在电梯', '电梯坏', '电梯停运', '电梯故障', '电梯停用', '梯停了'],
    subjects: ['电梯', '直梯', '轿厢'],
    faults: ['坏', '停', '不动', '不走', '故障', '卡', '困', '关人', '用不了', '不能用', '罢工', '趴窝', '下坠', '异响', '维修', '修', '没法坐', '爬楼'],
  },
  {
    code: 'manhole',
    label: '井盖缺失',
    phrases: ['井盖丢', '井盖没了', '井盖被偷', '下水道盖子', '窨井盖', '没有井盖', '井口敞'],
    subjects: ['井盖', '井口', '窨井', '雨水井', '检查井', '盖板'],
    faults: ['丢', '没了', '不见', '缺', '敞', '破', '塌', '碎', '松', '翻', '掉', '空着', '陷'],
  },
  {
    code: 'streetlight',
    label: '路灯不亮',
    phrases: ['路灯不亮', '黑灯瞎火', '一片漆黑', '摸黑走', '路灯坏'],
    subjects: ['路灯', '街灯', '灯杆', '照明'],
    faults: ['不亮', '坏', '灭', '黑', '不开', '没亮', '暗'],
  },
  {
    code: 'stairwell-light',
    label: '楼道灯不亮',
    phrases: ['楼道灯不亮', '楼道灯坏', '声控灯不亮', '楼道漆黑', '楼道黑'],
    subjects: ['楼道灯', '声控灯', '感应灯', '楼梯灯'],
    faults: ['不亮', '坏', '灭', '黑', '不开', '没亮', '暗'],
  },
  {
    code: 'leak',
    label: '漏水渗水',
    phrases: ['漏水', '渗水', '水管爆', '爆管', '跑水', '往下滴水', '洇水', '滴水', '淹了'],
    subjects: ['水管', '管道', '天花板', '屋顶', '房顶', '楼上', '顶棚', '墙面', '卫生间'],
    faults: ['漏', '渗', '爆', '裂', '滴', '往下流', '湿', '淌', '泡', '发霉', '水渍'],
  },
  {
    code: 'noise',
    label: '噪音扰民',
    phrases: ['噪音', '扰民', '广场舞', '吵得', '太吵', '睡不着', '装修声'],
    subjects: ['音响', '喇叭', '电钻', '施工', '烧烤', 'ktv', '狗叫', '音乐', '声音', '跳舞', '打钻'],
    faults: ['吵', '半夜', '深夜', '凌晨', '响', '震', '特别大', '太大', '没法睡', '头疼'],
  },
  {
    code: 'water-outage',
    label: '停水',
    phrases: ['停水', '断水', '没水', '不出水', '没有水', '水压低', '水压太低'],
    subjects: ['自来水', '水龙头'],
    faults: ['不出', '没', '断', '停', '小'],
  },
  {
    code: 'power-outage',
    label: '停电',
    phrases: ['停电', '断电', '没电', '没有电', '来电'],
    subjects: ['电表', '电闸', '供电'],
    faults: ['停', '断', '没', '跳'],
  },
  {
    code: 'heating',
    label: '暖气不热停暖',
    phrases: ['暖气不热', '停暖', '没暖气', '暖气凉', '暖气冰', '不供暖', '暖气温', '屋里冷', '室温'],
    subjects: ['暖气', '地暖', '供热', '暖气片', '供暖'],
    faults: ['不热', '凉', '冰', '冷', '温', '停', '冻', '度', '没'],
  },
  {
    code: 'gas',
    label: '燃气泄漏',
    phrases: ['漏气', '煤气味', '燃气味', '天然气味', '燃气泄漏'],
    subjects: ['燃气', '煤气', '天然气', '燃气表', '燃气灶'],
    faults: ['味', '漏', '泄', '嘶', '闻'],
  },
  {
    code: 'sewer',
    label: '下水道堵塞',
    phrases: ['下水道堵', '化粪池', '污水横流', '污水外溢', '反味', '返水', '冒污水'],
    subjects: ['下水道', '下水', '污水', '排水'],
    faults: ['堵', '冒', '溢', '返', '臭', '不通', '流'],
  },
  {
    code: 'garbage',
    label: '垃圾堆放',
    phrases: ['垃圾堆', '垃圾成山', '没人清运', '建筑垃圾', '垃圾桶满', '垃圾没人收'],
    subjects: ['垃圾', '杂物', '废品', '渣土'],
    faults: ['堆', '满', '臭', '没人', '清运', '乱扔', '乱倒', '成山', '好几天'],
  },
  {
    code: 'health-fair',
    label: '义诊体检',
    phrases: ['义诊', '体检', '免费检查', '量血压', '测血压', '测血糖', '健康讲座', '免费查', '眼科检查', '中医理疗'],
    subjects: ['医生', '医护', '大夫', '卫生服务站'],
    faults: ['免费', '检查', '看病', '进社区', '上门'],
  },
  {
    code: 'parking',
    label: '乱停车占道',
    phrases: ['乱停', '占道', '堵门', '占车位', '挡住出口', '僵尸车'],
    subjects: ['车位', '停车', '私家车', '电动车'],
    faults: ['堵', '挡', '占', '乱', '出不去'],
  },
  {
    code: 'road-damage',
    label: '道路破损',
    phrases: ['路面塌陷', '大坑', '坑洼', '路面破损', '坑坑洼洼', '路面开裂'],
    subjects: ['路面', '马路', '人行道', '便道', '地砖'],
    faults: ['坑', '塌', '裂', '破', '翘', '陷', '积水'],
  },
  {
    code: 'snow-ice',
    label: '积雪结冰',
    phrases: ['积雪', '结冰', '冰面', '没人扫雪'],
    subjects: ['雪', '冰'],
    faults: ['滑', '摔', '扫', '铲'],
  },
  {
    code: 'pets',
    label: '宠物流浪动物',
    phrases: ['流浪狗', '流浪猫', '狗咬', '遛狗不拴', '狗屎', '狗丢了', '猫丢了'],
    subjects: ['狗', '猫', '宠物'],
    faults: ['咬', '叫', '拴', '丢', '粪', '追'],
  },
  {
    code: 'scam',
    label: '诈骗推销',
    phrases: ['诈骗', '骗老人', '保健品', '被骗', '骗子'],
    subjects: ['推销', '讲座送', '免费领'],
    faults: ['骗', '钱', '买'],
  },
  {
    code: 'event',
    label: '社区活动',
    phrases: ['社区活动', '志愿服务', '文艺演出', '宣传活动', '志愿者'],
    subjects: ['活动', '演出', '讲座', '比赛', '培训'],
    faults: ['举办', '开展', '组织', '报名', '参加'],
  },
  {
    code: 'bus',
    label: '公交出行',
    phrases: ['公交车', '公交站', '站牌', '班次', '改线'],
    subjects: ['公交', '路车'],
    faults: ['等', '停', '少', '改', '撤'],
  },
];
