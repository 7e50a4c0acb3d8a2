// SPDX-License-Identifier: GPL-3.0-or-later
// The content editor: a form over a center's content.json, a preview of the
// kiosk's home screen beside it, and "check" / "publish" through the API
// (PUT /api/v1/centers/ID/content). Everything the page shows is built with
// DOM calls and textContent: nothing an admin types is ever parsed as HTML.
'use strict';

const data = JSON.parse(document.getElementById('editor-data').textContent);
const api = data.api;
// A city's, county's or town's content: its name, notices and activities,
// shown on every center below it.
const region = data.kind === 'region';
const DAYS = [['mon', '一', 'Mon'], ['tue', '二', 'Tue'], ['wed', '三', 'Wed'], ['thu', '四', 'Thu'],
  ['fri', '五', 'Fri'], ['sat', '六', 'Sat'], ['sun', '日', 'Sun']];
const MAX_PICTURE = 4 << 20;

// Every text is {zh, en} in the editor, whatever the file had.
const pair = (t) => (typeof t === 'string' ? { zh: t, en: t } : { zh: (t && t.zh) || '', en: (t && t.en) || '' });
const content = data.content;
if (region) content.center = { name: content.name, service_process: content.service_process };
content.center = content.center || {};
const c = content.center;
for (const k of ['name', 'opening_hours', 'service_aims']) c[k] = pair(c[k]);
c.service_process = (c.service_process || []).map(pair);
for (const k of ['services', 'activities', 'contacts', 'announcements']) content[k] = content[k] || [];
content.services.forEach((s) => {
  for (const k of ['title', 'about', 'place', 'hours', 'ask']) s[k] = pair(s[k]);
  s.steps = (s.steps || []).map(pair);
});
content.activities.forEach((a) => { a.title = pair(a.title); a.place = pair(a.place); a.days = a.days || []; });
content.contacts.forEach((x) => { x.label = pair(x.label); x.value = pair(x.value); });
content.announcements.forEach((x) => { x.text = pair(x.text); });
content.emergency = pair(content.emergency);

// Pictures chosen in this session: file name -> base64 (sent with the publish).
const files = {};
let logoUrl = data.logo_url;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const ch of children) if (ch != null) e.append(ch);
  return e;
}

function changed() {
  setStatus('', '');
  preview();
}

function input(obj, key, label, type = 'text', attrs = {}) {
  const i = el('input', { type, ...attrs });
  i.value = obj[key] == null ? '' : obj[key];
  i.addEventListener('input', () => { obj[key] = i.value; changed(); });
  return el('label', {}, el('span', {}, label), i);
}

function tick(obj, key, label) {
  const i = el('input', { type: 'checkbox', 'data-field': key });
  i.checked = !!obj[key];
  i.addEventListener('change', () => { obj[key] = i.checked; changed(); });
  return el('label', { class: 'check' }, i, el('span', {}, label));
}

function both(obj, key, label, long) {
  const t = obj[key];
  const make = (lang, hint) => {
    const i = el(long ? 'textarea' : 'input', { 'data-field': `${key}.${lang}`, rows: '2' });
    i.value = t[lang];
    i.addEventListener('input', () => { t[lang] = i.value; changed(); });
    return el('label', {}, el('span', {}, `${label} · ${hint}`), i);
  };
  return el('div', { class: 'both' }, make('zh', '中文'), make('en', 'English'));
}

function category(obj) {
  const s = el('select', { 'data-field': 'category' });
  for (const cat of data.categories) {
    const o = el('option', { value: cat.code }, `${cat.zh} ${cat.en}`);
    if (cat.code === obj.category) o.selected = true;
    s.append(o);
  }
  if (!obj.category) obj.category = data.categories[0].code;
  s.addEventListener('change', () => { obj.category = s.value; changed(); });
  return el('label', {}, el('span', {}, '类别 Category'), s);
}

function list(title, items, make, blank, id) {
  const box = el('section', id ? { class: 'list', id } : { class: 'list' });
  const draw = () => {
    box.replaceChildren(el('h2', {}, title));
    items.forEach((item, i) => {
      const remove = el('button', { type: 'button', class: 'remove', onclick: () => { items.splice(i, 1); draw(); changed(); } }, '删除 Remove');
      box.append(el('div', { class: 'item' }, ...make(item), remove));
    });
    box.append(el('button', { type: 'button', class: 'add', onclick: () => { items.push(blank()); draw(); changed(); } }, '＋ 添加 Add'));
  };
  draw();
  return box;
}

function days(a) {
  const box = el('div', { class: 'days' }, el('span', {}, '每周 Weekly on'));
  for (const [code, zh, en] of DAYS) {
    const cb = el('input', { type: 'checkbox', value: code });
    cb.checked = a.days.includes(code);
    cb.addEventListener('change', () => {
      a.days = DAYS.map((d) => d[0]).filter((d) => (d === code ? cb.checked : a.days.includes(d)));
      changed();
    });
    box.append(el('label', { class: 'day' }, cb, `${zh} ${en}`));
  }
  return box;
}

// Where a picture named in the content is seen: chosen now, or published.
const previews = {};
const pictureUrl = (name) => previews[name] || `${api}/files/${name}`;

// A file input for a PNG or JPEG picture: a file over 4 MB is refused in
// words; a good one is kept to send with the publish, under the name
// `name(ext)` gives, and handed to `chosen(name, dataUrl)`.
function picturePicker(attrs, name, chosen) {
  const pick = el('input', { type: 'file', accept: 'image/png,image/jpeg', ...attrs });
  pick.addEventListener('change', () => {
    const f = pick.files[0];
    if (!f) return;
    if (f.size > MAX_PICTURE) {
      setStatus('error', `图片 ${Math.round(f.size / 1024)} KB，最大 4096 KB · The picture is too large (at most 4 MB)`);
      pick.value = '';
      return;
    }
    const file = name(f.type === 'image/jpeg' ? 'jpg' : 'png');
    const reader = new FileReader();
    reader.onload = () => {
      files[file] = String(reader.result).split(',')[1];
      chosen(file, String(reader.result));
      changed();
    };
    reader.readAsDataURL(f);
  });
  return pick;
}

function pictureField(a) {
  const img = el('img', { class: 'thumb', alt: '' });
  const show = () => { if (a.picture) img.src = pictureUrl(a.picture); img.hidden = !a.picture; };
  show();
  const pick = picturePicker({ 'data-field': 'picture' }, (ext) => `activity-${Date.now().toString(36)}.${ext}`,
    (name, url) => { previews[name] = url; a.picture = name; show(); });
  const clear = el('button', { type: 'button', onclick: () => { delete a.picture; show(); changed(); } }, '去掉图片 No picture');
  return el('label', { class: 'picture' }, el('span', {}, '图片 Picture (PNG/JPEG ≤ 4 MB)'), img, pick, clear);
}

function logoField() {
  const img = el('img', { id: 'logo-now', alt: '' });
  const showLogo = () => { if (logoUrl) img.src = logoUrl; img.hidden = !logoUrl; };
  showLogo();
  const pick = picturePicker({ id: 'logo-file' }, (ext) => `logo.${ext}`,
    (name, url) => { c.logo = name; logoUrl = url; showLogo(); });
  return el('label', { class: 'logo' }, el('span', {}, '标志 Logo (PNG/JPEG ≤ 4 MB, ≤ 2048×2048)'), img, pick);
}

function form() {
  const f = document.getElementById('form');
  if (region) {
    f.replaceChildren(
      el('section', { id: 'center' }, el('h2', {}, '本级信息 This level'),
        el('p', { class: 'hint' }, '这里发布的通知、活动和紧急通知显示在下属每个中心的签到机上。 Notices, activities and the emergency notice published here show on every center below this level.'),
        both(c, 'name', '名称 Name')),
      ...shared(),
      el('section', { id: 'region-services' }, el('h2', {}, '统一服务 Services for every center'),
        el('p', { class: 'hint' }, '这里的服务流程和服务项目显示在下属每个中心；中心自己有同名服务或自己的流程时，以中心的为准。 The service process and services here show at every center below; a center\'s own service of the same name, or its own process, comes first.')),
      processList(),
      serviceList());
    return;
  }
  f.replaceChildren(
    el('section', { id: 'center' }, el('h2', {}, '中心信息 Center'),
      both(c, 'name', '名称 Name'),
      both(c, 'opening_hours', '开放时间 Opening hours'),
      both(c, 'service_aims', '服务宗旨 Service aims', true),
      logoField()),
    processList(),
    ...shared(),
    serviceList(),
    list('联系方式 Contacts', content.contacts, (x) => [both(x, 'label', '名称 Label'), both(x, 'value', '内容 Value')],
      () => ({ label: { zh: '', en: '' }, value: { zh: '', en: '' } }), 'contacts'),
  );
}

function processList() {
  return list('服务流程 Service process (steps)', c.service_process, (s) => [both({ s }, 's', '步骤 Step')], () => ({ zh: '', en: '' }), 'process');
}

// A service and what its page on the kiosk shows: what, where, when, how, whom to ask.
function serviceList() {
  const blank = () => ({ zh: '', en: '' });
  return list('服务 Services', content.services, (s) => [category(s), both(s, 'title', '名称 Title'),
    both(s, 'about', '介绍 What it is', true),
    both(s, 'place', '地点 Where'),
    both(s, 'hours', '时间（留空为开放时间） When (empty: the opening hours)'),
    list('办理步骤（留空为服务流程） Steps (empty: the service process)', s.steps, (x) => [both({ x }, 'x', '步骤 Step')], blank, ''),
    both(s, 'ask', '咨询（岗位或电话，不写个人姓名） Whom to ask (a desk or phone, no personal names)')],
  () => ({ category: data.categories[0].code, title: blank(), about: blank(), place: blank(), hours: blank(), ask: blank(), steps: [] }), 'services');
}

// The sections a center and a level both have.
function shared() {
  return [
    el('section', { id: 'emergency' }, el('h2', {}, '紧急通知 Emergency notice'),
      el('p', { class: 'hint' }, '留空则不显示。发布后一分钟内出现在所有签到机最上方。 Leave empty for none; it shows above everything on the kiosks within a minute.'),
      both(content, 'emergency', '紧急通知 Notice', true)),
    list('通知 Announcements', content.announcements, (a) => [both(a, 'text', '内容 Text', true),
      el('div', { class: 'row' }, input(a, 'from', '开始日期 From', 'date'), input(a, 'until', '结束日期 Until', 'date'))],
    () => ({ text: { zh: '', en: '' } }), 'announcements'),
    list('活动 Activities', content.activities, (a) => [both(a, 'title', '名称 Title'), category(a), days(a),
      el('div', { class: 'row' }, input(a, 'date', '或某一天 Or on', 'date'), input(a, 'start', '开始 Start', 'time'),
        input(a, 'end', '结束 End', 'time'), input(a, 'capacity', '名额 Places', 'number', { min: '1' })),
      both(a, 'place', '地点 Place'),
      region ? null : tick(a, 'study_club', '学习社活动（计入学习社占比） Study club (counted in its share)'),
      region ? null : tick(a, 'room', '可预约的房间时段（如咨询室；会员在手机上预约，不计为活动） A room slot members book (e.g. counseling room; not counted as an activity)'),
      input(a, 'signup_url', '报名链接（签到机显示二维码） Sign-up link (shown as a QR code)', 'url', { placeholder: 'https://' }),
      region ? null : pictureField(a)],
    () => ({ title: { zh: '', en: '' }, category: data.categories[0].code, days: [], start: '19:00', end: '20:00', place: { zh: '', en: '' } }), 'activities'),
  ];
}

// The content.json the editor sends: trimmed, optional fields left out when empty.
function output() {
  const t = (x) => ({ zh: x.zh.trim(), en: x.en.trim() });
  const out = { format: 1, center: { name: t(c.name) } };
  if (c.opening_hours.zh.trim() || c.opening_hours.en.trim()) out.center.opening_hours = t(c.opening_hours);
  if (c.logo) out.center.logo = c.logo;
  if (c.service_aims.zh.trim() || c.service_aims.en.trim()) out.center.service_aims = t(c.service_aims);
  const steps = c.service_process.filter((s) => s.zh.trim()).map(t);
  if (steps.length) out.center.service_process = steps;
  const filled = (x) => x.zh.trim() || x.en.trim();
  out.services = content.services.filter((s) => s.title.zh.trim()).map((s) => {
    const o = { category: s.category, title: t(s.title) };
    for (const k of ['about', 'place', 'hours', 'ask']) if (filled(s[k])) o[k] = t(s[k]);
    const steps = s.steps.filter((x) => x.zh.trim()).map(t);
    if (steps.length) o.steps = steps;
    return o;
  });
  out.activities = content.activities.map((a) => {
    const o = { title: t(a.title), category: a.category, days: a.days, start: a.start, end: a.end, place: t(a.place) };
    // The hub's id for the activity: sign-ups and counts follow it.
    if (a.id) o.id = a.id;
    if (a.study_club) o.study_club = true;
    if (a.room) o.room = true;
    if (a.date) o.date = a.date;
    if (a.capacity !== undefined && String(a.capacity).trim() !== '') o.capacity = Number(a.capacity);
    if (a.signup_url && a.signup_url.trim()) o.signup_url = a.signup_url.trim();
    if (a.picture) o.picture = a.picture;
    if (!o.days.length) delete o.days;
    return o;
  });
  out.contacts = content.contacts.filter((x) => x.label.zh.trim()).map((x) => ({ label: t(x.label), value: t(x.value) }));
  out.announcements = content.announcements.filter((x) => x.text.zh.trim()).map((x) => {
    const o = { text: t(x.text) };
    if (x.from) o.from = x.from;
    if (x.until) o.until = x.until;
    return o;
  });
  if (content.emergency.zh.trim()) out.emergency = t(content.emergency);
  if (region) {
    // The hub publishes the services and process as the level's services.json.
    return { format: 1, name: out.center.name, activities: out.activities, announcements: out.announcements, emergency: out.emergency,
      services: out.services, service_process: out.center.service_process };
  }
  return out;
}

// The kiosk's home screen, as the kiosk lays it out, for the chosen day and language.
function preview() {
  const en = document.getElementById('lang').value === 'en';
  const day = document.getElementById('day').value || data.today;
  const g = (x) => (en && x.en.trim() ? x.en : x.zh);
  const code = DAYS[(new Date(`${day}T12:00:00Z`).getUTCDay() + 6) % 7][0];
  const p = document.getElementById('kiosk');
  const header = el('div', { class: 'k-head' });
  if (logoUrl && c.logo) header.append(el('img', { src: logoUrl, alt: '' }));
  header.append(el('div', { class: 'k-title' }, el('div', { class: 'k-name' }, g(c.name)), el('div', { class: 'k-hours' }, g(c.opening_hours))),
    el('div', { class: 'k-date' }, day));
  const parts = [header];
  if (content.emergency.zh.trim()) parts.push(el('div', { class: 'k-emergency' }, `⚠ ${g(content.emergency)}`));
  const notice = content.announcements.find((a) => a.text.zh.trim() && (!a.from || a.from <= day) && (!a.until || day <= a.until));
  if (notice) parts.push(el('div', { class: 'k-notice' }, g(notice.text)));
  const services = el('div', { class: 'k-services' });
  for (const cat of data.categories) {
    const items = content.services.filter((s) => s.category === cat.code && s.title.zh.trim());
    if (items.length) services.append(el('div', { class: 'k-tile' }, el('b', {}, en ? cat.en : cat.zh), el('div', {}, items.map((s) => g(s.title)).join(en ? ' · ' : '、'))));
  }
  const today = content.activities.filter((a) => !a.room && (a.date === day || a.days.includes(code))).sort((a, b) => a.start.localeCompare(b.start));
  const acts = el('div', { class: 'k-acts' }, el('b', {}, en ? "Today's activities" : '今日活动'));
  if (!today.length) acts.append(el('div', { class: 'k-none' }, en ? 'Nothing on today' : '今天没有活动'));
  for (const a of today) {
    const places = a.capacity ? (en ? ` · ${a.capacity} places` : ` · 限 ${a.capacity} 人`) : '';
    acts.append(el('div', { class: 'k-act' }, a.picture ? el('img', { src: pictureUrl(a.picture), alt: '' }) : null,
      el('span', {}, `${a.start}–${a.end}`), ` ${g(a.title)}`,
      el('small', {}, ` ${g(a.place)}${places}`), a.signup_url ? el('em', {}, en ? ' · QR sign-up' : ' · 扫码报名') : null));
  }
  const contacts = el('div', { class: 'k-contacts' }, ...content.contacts.filter((x) => x.label.zh.trim()).map((x) => el('span', {}, `${g(x.label)} ${g(x.value)}`)));
  parts.push(el('div', { class: 'k-body' }, services, acts), contacts);
  p.replaceChildren(...parts);
}

function setStatus(kind, text) {
  const s = document.getElementById('status');
  s.className = kind;
  s.textContent = text;
}

async function send(method, url) {
  // Only the pictures the content names go (the hub refuses any other file).
  const out = output();
  // (A level's content names no pictures.)
  const named = new Set([out.center && out.center.logo, ...(out.activities || []).map((a) => a.picture)].filter(Boolean));
  const sent = Object.fromEntries(Object.entries(files).filter(([name]) => named.has(name)));
  const body = JSON.stringify({ content: out, files: sent });
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', 'x-csrf-token': data.csrf },
    body,
    credentials: 'same-origin',
  });
  let answer = {};
  try { answer = await res.json(); } catch (e) { answer = { message: `${res.status} ${res.statusText}` }; }
  return { ok: res.ok, answer };
}

async function check() {
  setStatus('busy', '检查中… Checking…');
  const { ok, answer } = await send('POST', `${api}/check`);
  if (ok) setStatus('ok', '可以发布 · Ready to publish: the kiosks will accept this content.');
  else setStatus('error', answer.message || '检查失败 · The check failed');
  return ok;
}

async function publish() {
  const button = document.getElementById('publish');
  button.disabled = true;
  setStatus('busy', '发布中… Publishing…');
  try {
    const { ok, answer } = await send('PUT', api);
    if (ok) {
      for (const k of Object.keys(files)) delete files[k];
      for (const k of Object.keys(previews)) delete previews[k];
      if (c.logo) logoUrl = `${api}/files/${c.logo}`;
      document.getElementById('version').textContent = String(answer.version);
      setStatus('ok', `已发布第 ${answer.version} 版，签到机下次同步时显示 · Published version ${answer.version}; kiosks show it at their next sync.`);
    } else {
      setStatus('error', `未发布 · Not published: ${answer.message || 'error'}`);
    }
  } catch (e) {
    setStatus('error', `未发布，连接失败 · Not published: the hub cannot be reached (${e})`);
  } finally {
    button.disabled = false;
  }
}

document.getElementById('day').value = data.today;
document.getElementById('lang').addEventListener('change', preview);
document.getElementById('day').addEventListener('input', preview);
document.getElementById('check').addEventListener('click', check);
document.getElementById('publish').addEventListener('click', publish);
form();
preview();
