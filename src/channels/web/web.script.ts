// The tip page's own script, served from /tip/assets/tip.js (script-src 'self', no inline code,
// nothing third-party). Plain ES2017 so that any phone browser runs it; the page works without it.
// It adds: photo previews and limits before upload, the consent box only when a contact is
// given, upload progress (XHR), the proof of work when the server asks for one, and one
// Idempotency-Key per filled form so a retry after a dropped connection stores nothing twice.

export const TIP_SCRIPT = String.raw`(function () {
  'use strict';
  var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
  // SHA-256 of an ASCII string; the first 32-bit word of the digest (enough to count leading zero bits).
  function sha256FirstWord(s) {
    var n = s.length, words = ((n + 9 + 63) >> 6) << 4, m = new Array(words), i;
    for (i = 0; i < words; i++) m[i] = 0;
    for (i = 0; i < n; i++) m[i >> 2] |= (s.charCodeAt(i) & 0xff) << (24 - (i % 4) * 8);
    m[n >> 2] |= 0x80 << (24 - (n % 4) * 8);
    m[words - 1] = n * 8;
    var H = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19], w = new Array(64);
    for (var b = 0; b < words; b += 16) {
      var a = H[0], bb = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7], t;
      for (t = 0; t < 64; t++) {
        if (t < 16) w[t] = m[b + t] | 0;
        else {
          var x = w[t - 15], y = w[t - 2];
          var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
          var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
          w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
        }
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & bb) ^ (a & c) ^ (bb & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = bb; bb = a; a = (t1 + t2) | 0;
      }
      H[0] = (H[0] + a) | 0; H[1] = (H[1] + bb) | 0; H[2] = (H[2] + c) | 0; H[3] = (H[3] + d) | 0;
      H[4] = (H[4] + e) | 0; H[5] = (H[5] + f) | 0; H[6] = (H[6] + g) | 0; H[7] = (H[7] + h) | 0;
    }
    return H[0] >>> 0;
  }
  function solve(challenge, bits) {
    for (var nonce = 0; ; nonce++) {
      var word = sha256FirstWord(challenge + ':' + nonce);
      if ((bits >= 32 ? word === 0 : word >>> (32 - bits) === 0)) return String(nonce);
    }
  }
  function randomKey() {
    var a = new Uint8Array(16);
    crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (v) { return ('0' + v.toString(16)).slice(-2); }).join('');
  }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text) e.textContent = text;
    return e;
  }

  var form = document.querySelector('form[data-api]');
  if (!form) return;
  var ds = form.dataset;
  var lang = document.body.getAttribute('data-lang') === 'en' ? 'en' : 'zh';
  var errorBox = document.getElementById('form-error');
  var fileInput = form.querySelector('input[type=file]');
  var previews = document.getElementById('previews');
  var bar = form.querySelector('.progress');
  var button = form.querySelector('button[type=submit]');
  var idempotencyKey = randomKey();

  function showError(msg) {
    errorBox.textContent = msg;
    errorBox.hidden = !msg;
    if (msg) errorBox.scrollIntoView({ block: 'center' });
  }

  // The consent box matters only once a contact is given.
  var contacts = form.querySelectorAll('[data-contact]');
  var consentBox = document.getElementById('consent-box');
  function updateConsent() {
    if (!consentBox) return;
    var any = Array.prototype.some.call(contacts, function (i) { return i.value.trim() !== ''; });
    consentBox.hidden = !any;
  }
  Array.prototype.forEach.call(contacts, function (i) { i.addEventListener('input', updateConsent); });
  updateConsent();

  function photoProblem() {
    var files = fileInput.files || [];
    if (files.length > +ds.maxPhotos) return ds.msgTooMany;
    for (var i = 0; i < files.length; i++) {
      if (files[i].size > +ds.maxBytes) return ds.msgTooBig;
      if (files[i].type && files[i].type.indexOf('image/') !== 0) return ds.msgNotImage;
    }
    return '';
  }
  fileInput.addEventListener('change', function () {
    previews.textContent = '';
    var files = fileInput.files || [];
    for (var i = 0; i < files.length && i < 9; i++) {
      var img = el('img', { alt: files[i].name, class: 'preview' });
      img.src = URL.createObjectURL(files[i]);
      previews.appendChild(img);
    }
    showError(photoProblem());
  });

  function messageOf(xhr) {
    try {
      var e = JSON.parse(xhr.responseText).error;
      if (e && e.details && e.details.zh) return lang === 'en' ? e.details.en : e.details.zh;
      if (e && e.message) return e.message;
    } catch (err) { /* not JSON */ }
    return ds.msgNetwork;
  }

  function done(answer) {
    var main = document.querySelector('main');
    if (ds.kind === 'followup') {
      form.reset();
      previews.textContent = '';
      var note = el('p', { class: 'notice', id: 'notice', role: 'status' }, ds.msgFollowThanks);
      form.parentNode.insertBefore(note, form);
      return;
    }
    var path = new URL(answer.statusUrl, location.href).pathname;
    var section = el('section', { class: 'result', id: 'result' });
    section.appendChild(el('h2', {}, ds.msgThanks));
    section.appendChild(el('p', {}, ds.msgReference));
    section.appendChild(el('p', { class: 'reference', id: 'reference' }, answer.reference));
    section.appendChild(el('p', {}, ds.msgKeep));
    var p = el('p');
    p.appendChild(el('a', { class: 'button', id: 'status-link', href: path + '?lang=' + lang }, ds.msgOpen));
    section.appendChild(p);
    var again = el('p');
    again.appendChild(el('a', { href: '/tip?lang=' + lang }, ds.msgAnother));
    section.appendChild(again);
    Array.prototype.forEach.call(main.querySelectorAll('form, .intro, .error, .privacy'), function (n) { n.remove(); });
    main.appendChild(section);
    window.scrollTo(0, 0);
  }

  function send(data) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', ds.api);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
    bar.hidden = false;
    var meter = bar.querySelector('progress');
    meter.value = 0;
    xhr.upload.onprogress = function (ev) { if (ev.lengthComputable) meter.value = Math.round((ev.loaded / ev.total) * 100); };
    xhr.onload = function () {
      bar.hidden = true;
      button.disabled = false;
      if (xhr.status === 201) {
        idempotencyKey = randomKey();
        done(JSON.parse(xhr.responseText));
      } else showError(messageOf(xhr));
    };
    // The same key on the next attempt: if the first one was stored, the answer is replayed.
    xhr.onerror = function () { bar.hidden = true; button.disabled = false; showError(ds.msgNetwork); };
    xhr.send(data);
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var problem = photoProblem();
    if (problem) return showError(problem);
    showError('');
    button.disabled = true;
    var data = new FormData(form);
    if (ds.challenge !== 'on') return send(data);
    var xhr = new XMLHttpRequest();
    xhr.open('GET', '/api/public/challenge');
    xhr.onload = function () {
      try {
        var c = JSON.parse(xhr.responseText);
        if (c.required) {
          data.append('challenge', c.challenge);
          data.append('nonce', solve(c.challenge, c.bits));
        }
        send(data);
      } catch (err) { button.disabled = false; showError(ds.msgNetwork); }
    };
    xhr.onerror = function () { button.disabled = false; showError(ds.msgNetwork); };
    xhr.send();
  });
})();
`;

export const TIP_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.6 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1d1d1f;background:#f6f4ef}
.wrap{max-width:40rem;margin:0 auto;padding:1rem}
.top{display:flex;align-items:baseline;justify-content:space-between;gap:1rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.2rem}
.lang{font-size:.95rem}
label{display:block;font-weight:600;margin:1rem 0 .3rem}
.req{color:#b3261e;font-weight:400;font-size:.85rem}
small{display:block;color:#555}
textarea,input:not([type=checkbox]):not([type=file]){width:100%;font:inherit;padding:.6rem;border:1px solid #999;border-radius:.4rem;background:#fff}
input[type=file]{width:100%;padding:.5rem 0}
fieldset{border:1px solid #ccc;border-radius:.5rem;margin:1.2rem 0;padding:.5rem .8rem 1rem}
legend{font-weight:600;padding:0 .3rem}
.consent{display:flex;gap:.5rem;align-items:flex-start;margin-top:1rem}
.consent[hidden]{display:none}
.consent label{font-weight:400;margin:0}
.consent input{width:1.3rem;height:1.3rem;margin-top:.2rem;flex:none}
.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
.previews{display:flex;flex-wrap:wrap;gap:.4rem}
.preview{width:5rem;height:5rem;object-fit:cover;border-radius:.3rem;border:1px solid #ccc}
button,.button{display:inline-block;width:100%;margin-top:1.2rem;padding:.8rem;font:inherit;font-weight:700;color:#fff;background:#a4161a;border:0;border-radius:.5rem;text-align:center;text-decoration:none}
button[disabled]{opacity:.6}
.error{color:#8a1c1c;background:#fdecea;border:1px solid #f5c2c0;border-radius:.4rem;padding:.6rem .8rem;margin:1rem 0}
.error[hidden]{display:none}
.notice{background:#e8f5e9;border:1px solid #b7dfb9;border-radius:.4rem;padding:.6rem .8rem}
.progress progress{width:100%;height:1rem}
.progress[hidden]{display:none}
.reference{font-size:1.6rem;font-weight:700;letter-spacing:.05em;margin:.2rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.3rem 1rem}
dt{color:#555}
dd{margin:0}
.badge{font-weight:700}
.privacy{margin-top:2rem;font-size:.9rem;color:#333}
.privacy ul{padding-left:1.2rem}
a{color:#a4161a}
`;
