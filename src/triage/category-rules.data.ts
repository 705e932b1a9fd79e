import type { CategoryName } from './categorize.js';

// The starting phrase list for category suggestions. Admins edit the live copy
// (table category_rule) through the API; this list only seeds an empty table.
// Chinese phrases match as substrings, so no word segmentation is needed.
export const defaultCategoryRules: { category: CategoryName; phrase: string; weight: number }[] = [
  ...[
    ['漏水', 3], ['水管', 2], ['暖气', 2], ['供暖', 2], ['不热', 1.5], ['停水', 1.5], ['停电', 1.5], ['燃气', 2], ['煤气', 2],
    ['电路', 1.5], ['跳闸', 1.5], ['下水道', 2], ['堵塞', 1.5], ['装修', 1], ['家里', 1], ['家中', 1], ['老伴', 1.5], ['独居', 1.5],
    ['空巢', 1.5], ['孩子', 1], ['生活困难', 2], ['低保', 2], ['看病难', 1.5], ['屋顶', 1.5], ['墙皮', 1.5], ['渗水', 2], ['热水器', 2],
    ['leak', 2], ['leaking', 2], ['pipe', 2], ['heating', 2], ['radiator', 2], ['boiler', 2], ['gas leak', 3], ['power cut', 1.5],
    ['my flat', 1], ['my apartment', 1], ['hardship', 2], ['home safety', 2],
  ].map(([phrase, weight]) => ({ category: 'HOUSEHOLD' as const, phrase: phrase as string, weight: weight as number })),
  ...[
    ['邻居', 3], ['楼上', 2], ['楼下', 2], ['噪音', 3], ['吵', 1.5], ['扰民', 3], ['楼道', 2.5], ['堆放', 2], ['杂物', 2], ['占用', 1.5],
    ['停车', 1.5], ['车位', 1.5], ['宠物', 2], ['狗', 1.5], ['猫', 1.5], ['走失', 2], ['纠纷', 3], ['矛盾', 2], ['物业', 2], ['电梯', 1.5],
    ['垃圾', 1], ['异味', 1.5], ['私搭乱建', 2.5], ['广场舞', 2.5], ['neighbor', 3], ['neighbour', 3], ['noise', 3], ['noisy', 3],
    ['stairwell', 2.5], ['hallway', 2], ['dispute', 3], ['lost dog', 3], ['lost cat', 3], ['parking', 1.5], ['barking', 2.5],
  ].map(([phrase, weight]) => ({ category: 'NEIGHBORHOOD' as const, phrase: phrase as string, weight: weight as number })),
  ...[
    ['社区', 1.5], ['活动', 1.5], ['义诊', 3], ['体检', 2.5], ['志愿者', 3], ['志愿服务', 3], ['社工', 2.5], ['讲座', 2], ['宣传', 1.5],
    ['文明实践', 3], ['社区活动', 3], ['健康', 1.5], ['老年大学', 2], ['修路', 2.5], ['施工', 2], ['道路', 1.5], ['路灯', 2], ['公交', 2],
    ['公园', 1.5], ['街道', 1.5], ['居委会', 1.5], ['便民', 2], ['免费', 1.5], ['捐赠', 2], ['节水', 2], ['演出', 2], ['培训', 1.5],
    ['health check', 3], ['health fair', 3], ['volunteer', 3], ['volunteers', 3], ['community centre', 2.5], ['community center', 2.5],
    ['event', 1.5], ['workshop', 2], ['road works', 2.5], ['roadworks', 2.5], ['street light', 2], ['bus', 1.5], ['free', 1],
  ].map(([phrase, weight]) => ({ category: 'COMMUNITY' as const, phrase: phrase as string, weight: weight as number })),
];
