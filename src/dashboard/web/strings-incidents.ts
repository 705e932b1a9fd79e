// Strings of the incident types page (#/incidents), kept apart from i18n.ts like the places' strings.

export const incidentsZh = {
  incidents: '事件类型',
  'incidents.help': '新爆料按这些类型和同义词识别事件（如 电梯坏了 / 电梯停运 / 困梯），用于判断重复爆料。改动对之后的新爆料立即生效。',
  'incidents.list': '现有类型',
  'incident.new': '新增类型',
  'incident.code': '代码（小写英文，如 elevator）',
  'incident.label': '名称',
  'incident.phrases': '同义说法（一个即可认定，逗号分隔）',
  'incident.subjects': '对象（如 电梯、井盖，逗号分隔）',
  'incident.faults': '故障词（对象附近出现才算，如 坏、不亮）',
  'incident.add': '添加',
  'incident.edit': '编辑',
  'incident.editing': '编辑类型',
  'incident.deactivate': '停用',
  'incident.reactivate': '启用',
  'incident.inactive': '已停用',
  'incident.none': '无',
  'reason.duplicate_incident_type': '该代码已存在',
};

export type IncidentsKey = keyof typeof incidentsZh;
