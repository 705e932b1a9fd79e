// Strings of the place features (the tip's place panel, the places page, duplicates), kept apart
// from i18n.ts so each table stays readable.

export const placesZh = {
  places: '地点库',
  'places.help': '小区、道路和地标：新爆料的地点按此识别。',
  place: '地点',
  'place.none': '未识别',
  'place.from': '依据',
  'place.correct': '更正地点',
  'place.add': '添加',
  'place.name': '名称',
  'place.aliases': '别名（逗号分隔）',
  'place.kind': '类型',
  'place.kind.estate': '小区',
  'place.kind.road': '道路',
  'place.kind.landmark': '地标',
  'place.district': '区',
  'place.street': '街道',
  'place.community': '社区',
  'place.estate': '小区',
  'place.road': '道路',
  'place.landmark': '地标',
  'place.building': '楼',
  'place.unit': '单元',
  'place.source.text': '从正文识别',
  'place.source.supplied': '来自爆料人提供的位置',
  'place.source.both': '提供的位置与正文',
  'place.source.none': '未识别',
  'place.source.editor': '编辑已更正',
  likelyDuplicate: '可能重复',
  searchTips: '按编号或关键词查找',
};

export type PlacesKey = keyof typeof placesZh;
