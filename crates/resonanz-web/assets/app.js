/* Resonanz – progressive enhancement; every page also works without it.
 * Strict CSP: no eval, inline handlers or style attributes. Event/JSON data is
 * written with textContent only; innerHTML only gets our own server's HTML. */
(function () {
  'use strict';

  const body = document.body;
  if (!body) return;

  // --- i18n: only strings this script generates itself ---
  const STRINGS = {
    de: {
      selected: (n) => `${n} ausgewählt`,
      found: (n) => (n === 1 ? '1 Textbaustein gefunden' : `${n} Textbausteine gefunden`),
      notFound: 'Keine Textbausteine gefunden',
      inserted: 'Textbaustein eingefügt',
      updated: 'Verlauf aktualisiert',
    },
    en: {
      selected: (n) => `${n} selected`,
      found: (n) => (n === 1 ? '1 text block found' : `${n} text blocks found`),
      notFound: 'No text blocks found',
      inserted: 'Text block inserted',
      updated: 'Timeline updated',
    },
  };
  const L = STRINGS[(body.dataset.locale || document.documentElement.lang || 'de').slice(0, 2).toLowerCase()] || STRINGS.de;

  // --- helpers ---
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  function debounce(fn, ms) {
    let t = 0;
    return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
  }

  // Only follow same-origin, path-absolute URLs from data attributes.
  const safePath = (u) => (typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? u : null);

  // Cookies always; CSRF token (read at call time) on every non-GET.
  function request(url, opts = {}) {
    const method = (opts.method || 'GET').toUpperCase();
    const headers = new Headers(opts.headers || {});
    if (method !== 'GET' && method !== 'HEAD') headers.set('X-CSRF-Token', body.dataset.csrf || '');
    return fetch(url, Object.assign({}, opts, { method, headers, credentials: 'same-origin' }));
  }

  // Text (HTML fragment) or JSON. A redirect means an expired session bounced
  // to /login: never inject that page.
  async function load(url, opts = {}, json = false) {
    const headers = { Accept: json ? 'application/json' : 'text/html' };
    const res = await request(url, Object.assign({ headers }, opts));
    if (!res.ok || res.redirected) throw new Error(`HTTP ${res.status} ${url}`);
    return json ? res.json() : res.text();
  }

  function warn(err) {
    if (!err || err.name !== 'AbortError') console.warn('[resonanz]', err);
  }

  // Polite screen-reader message. Cleared first so a repeated text is re-read.
  const liveStatus = $('#live-status');
  let announceTimer = 0;
  function announce(text) {
    if (!liveStatus || !text) return;
    liveStatus.textContent = '';
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => { liveStatus.textContent = String(text); }, 50);
  }

  // Fields where letter shortcuts must not fire (checkboxes/buttons don't count).
  const NON_TEXT = /^(checkbox|radio|button|submit|reset|image|file|range|color)$/;
  function isTyping(el) {
    if (!el || !el.tagName) return false;
    if (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
    return el.tagName === 'INPUT' && !NON_TEXT.test(el.type);
  }

  // Replace [start,end) of a textarea. execCommand keeps the native undo stack
  // (Ctrl+Z) and fires `input`; setRangeText is the fallback.
  function insertText(ta, text, start, end) {
    text = String(text).replace(/\r\n?/g, '\n'); // textarea values only hold \n
    ta.focus();
    ta.setSelectionRange(start, end);
    let ok = false;
    try { ok = document.execCommand('insertText', false, text); } catch (_) { /* unsupported */ }
    if (!ok) {
      ta.setRangeText(text, start, end, 'end');
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  // Append a block id to the form's used_blocks field (comma-separated, unique).
  function recordBlock(form, id) {
    const input = form && id && form.querySelector('input[name="used_blocks"]');
    if (!input) return;
    const ids = input.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (!ids.includes(String(id))) ids.push(String(id));
    input.value = ids.join(',');
  }

  // --- page context ---
  const inbox = $('.inbox');
  const casePage = $('.case-page');
  const caseId = casePage ? casePage.dataset.caseId : null;
  const presenceEl = $('#presence');
  const replyText = $('#reply-text');
  const noteText = $('#note-text');

  // --- inbox: current row, row clicks, bulk selection ---
  const caseRows = () => $$('#case-rows tr.case-row');
  const currentRow = () => $('#case-rows tr.case-row.is-current');
  const rowBoxes = (sel = '') => $$(`#case-rows input[name="case_ids"]${sel}`);

  function setCurrentRow(row, moveFocus) {
    if (!row) return;
    for (const r of caseRows()) if (r !== row) r.classList.remove('is-current');
    row.classList.add('is-current');
    if (moveFocus) {
      const link = $('.case-link', row);
      if (link) link.focus({ preventScroll: true }); // 'nearest' is calmer
      row.scrollIntoView({ block: 'nearest' });
    }
  }

  function moveCurrent(delta) {
    const rows = caseRows();
    if (!rows.length) return;
    const i = rows.indexOf(currentRow());
    setCurrentRow(rows[i < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, i + delta))], true);
  }

  function openRow(row, newTab) {
    const href = row && safePath(row.dataset.href);
    if (!href) return;
    if (newTab) window.open(href, '_blank', 'noopener');
    else window.location.assign(href);
  }

  const selectAll = $('#select-all');
  const bulkCount = $('#bulk-count');

  function updateBulk() {
    const boxes = rowBoxes();
    const n = boxes.filter((b) => b.checked).length;
    for (const b of boxes) {
      const row = b.closest('tr.case-row');
      if (row) row.classList.toggle('is-selected', b.checked);
    }
    if (bulkCount) bulkCount.textContent = n ? L.selected(n) : '';
    if (selectAll) {
      selectAll.checked = n > 0 && n === boxes.length;
      selectAll.indeterminate = n > 0 && n < boxes.length;
    }
  }

  if (inbox) {
    if (selectAll) {
      selectAll.addEventListener('change', () => {
        for (const b of rowBoxes()) b.checked = selectAll.checked;
        updateBulk();
      });
    }
    // Delegated: #case-rows is replaced by live updates.
    inbox.addEventListener('change', (e) => {
      if (e.target.matches('input[name="case_ids"]')) updateBulk();
    });
    // Keep the j/k marker where Tab focus is.
    inbox.addEventListener('focusin', (e) => {
      const row = e.target.closest('#case-rows tr.case-row');
      if (row) setCurrentRow(row, false);
    });
    inbox.addEventListener('click', (e) => {
      const row = e.target.closest('#case-rows tr.case-row');
      if (!row || e.button !== 0 || e.target.closest('a, input, button, select, textarea, label, summary')) return;
      // The checkbox cell is the checkbox's hit area: near-misses must not navigate.
      if (e.target.closest('td.sel')) {
        const cb = $('input[name="case_ids"]', row);
        if (cb) cb.click();
        return;
      }
      // Allow selecting/copying a subject.
      const sel = window.getSelection();
      if (sel && sel.toString().trim() && row.contains(sel.anchorNode)) return;
      openRow(row, e.ctrlKey || e.metaKey);
    });
    updateBulk();
  }

  // --- keyboard help panel (`?`) ---
  const kbdHelp = $('#kbd-help');
  let helpReturn = null;

  function toggleHelp(show) {
    if (!kbdHelp) return;
    const open = typeof show === 'boolean' ? show : kbdHelp.hidden;
    if (open !== kbdHelp.hidden) return; // already in that state
    kbdHelp.hidden = !open;
    if (open) {
      helpReturn = document.activeElement;
      if (!kbdHelp.hasAttribute('tabindex')) kbdHelp.setAttribute('tabindex', '-1');
      kbdHelp.focus();
    } else if (helpReturn && document.contains(helpReturn)) {
      helpReturn.focus();
    }
  }

  if (kbdHelp) {
    // Any button inside, or a click outside, dismisses the panel.
    kbdHelp.addEventListener('click', (e) => { if (e.target.closest('button, [data-close]')) toggleHelp(false); });
    document.addEventListener('click', (e) => { if (!kbdHelp.hidden && !kbdHelp.contains(e.target)) toggleHelp(false); });
  }

  // --- global keyboard shortcuts ---
  let gUntil = 0;

  function focusField(el) {
    if (!el) return false;
    el.focus();
    if (el.type === 'search') el.select();
    return true;
  }

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.isComposing || e.ctrlKey || e.altKey || e.metaKey) return;
    const target = e.target;
    if (e.key === 'Escape') {
      if (kbdHelp && !kbdHelp.hidden) { toggleHelp(false); e.preventDefault(); return; }
      // Leave a text field so letter shortcuts work again.
      if (isTyping(target) && target.tagName !== 'SELECT') target.blur();
      return;
    }
    if (isTyping(target)) return;

    const key = e.key;
    if (gUntil) { // second key of "g i"
      const pending = Date.now() < gUntil;
      gUntil = 0;
      if (pending && key === 'i') { e.preventDefault(); window.location.assign('/'); return; }
    }

    const row = inbox && currentRow();
    let handled = true;
    switch (key) {
      case '/': handled = focusField($('#global-search')); break;
      case '?': handled = !!kbdHelp; toggleHelp(); break;
      case 'g': gUntil = Date.now() + 1500; break;
      case 'j': handled = !!inbox; if (inbox) moveCurrent(1); break;
      case 'k': handled = !!inbox; if (inbox) moveCurrent(-1); break;
      case 'x': { // click() fires `change`, which updates the count
        const cb = row && $('input[name="case_ids"]', row);
        handled = !!cb;
        if (cb) cb.click();
        break;
      }
      case 'Enter': // links/buttons handle Enter natively; don't navigate twice
        handled = !!row && !target.closest('a, button');
        if (handled) openRow(row, false);
        break;
      // preventDefault matters: focus moves during keydown, so the letter
      // would otherwise be typed into the newly focused field.
      case 'r': handled = !!casePage && focusField(replyText); break;
      case 'n': handled = !!casePage && focusField(noteText); break;
      case 'a': handled = !!casePage && focusField($('#assign-owner')); break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  });

  // --- unsaved text guard ---
  const dirty = new Set();
  function onBeforeUnload(e) {
    e.preventDefault();
    e.returnValue = ''; // needed by older Chrome/Safari
  }
  // Attached only while needed: it keeps pages out of the bfcache.
  function updateUnloadGuard() {
    for (const ta of dirty) if (!ta.value.trim()) dirty.delete(ta);
    if (dirty.size) window.addEventListener('beforeunload', onBeforeUnload);
    else window.removeEventListener('beforeunload', onBeforeUnload);
  }
  for (const ta of [replyText, noteText]) {
    if (!ta) continue;
    ta.addEventListener('input', () => { dirty.add(ta); updateUnloadGuard(); });
    // Submitting is saving: no warning for the navigation that follows.
    if (ta.form) ta.form.addEventListener('submit', () => { dirty.delete(ta); updateUnloadGuard(); });
  }

  // --- fragment refreshes: inbox rows, timeline, presence ---
  // Sequence numbers: a slow older response never overwrites a newer one.
  let inboxSeq = 0;
  async function refreshInbox() {
    const tbody = $('#case-rows');
    const url = inbox && safePath(inbox.dataset.refreshUrl);
    if (!tbody || !url) return;
    const seq = ++inboxSeq;
    let html;
    try { html = await load(url); } catch (err) { warn(err); return; }
    if (seq !== inboxSeq) return;

    // Snapshot right before the swap (the user may have clicked meanwhile).
    const checked = new Set(rowBoxes(':checked').map((b) => b.value));
    const cur = currentRow();
    const curId = cur && cur.dataset.caseId;
    const active = document.activeElement;
    const focusRow = active && tbody.contains(active) && active.closest('tr.case-row');
    const focusId = focusRow && focusRow.dataset.caseId;
    const focusBox = !!focusRow && active.matches('input[name="case_ids"]');

    tbody.innerHTML = html;

    for (const b of rowBoxes()) b.checked = checked.has(b.value);
    const byId = (id) => caseRows().find((r) => r.dataset.caseId === id);
    const newCur = curId && byId(curId);
    if (newCur) newCur.classList.add('is-current');
    const newFocus = focusId && byId(focusId);
    const el = newFocus && $(focusBox ? 'input[name="case_ids"]' : '.case-link', newFocus);
    if (el) el.focus({ preventScroll: true });
    updateBulk();
  }

  // If the timeline's end was in view (reading the newest, or typing in the
  // composer below), keep that edge in place so new items slide in above it;
  // otherwise leave the scroll position alone.
  let timelineSeq = 0;
  async function refreshTimeline() {
    const tl = $('#timeline');
    const url = casePage && safePath(casePage.dataset.timelineUrl);
    if (!tl || !url) return;
    const seq = ++timelineSeq;
    let html;
    try { html = await load(url); } catch (err) { warn(err); return; }
    if (seq !== timelineSeq) return;

    const oldBottom = tl.getBoundingClientRect().bottom;
    const atBottom = oldBottom <= window.innerHeight + 48;
    tl.innerHTML = html;

    if (atBottom) {
      // Measured after the swap, so native scroll anchoring is already included.
      const delta = tl.getBoundingClientRect().bottom - oldBottom;
      if (delta) window.scrollBy(0, delta);
    }
    // What arrived live is on screen now: the collision check on sending starts from it.
    const last = tl.querySelectorAll('li.tl-message[id^="m-"]');
    const seen = $('input[name="seen_message_id"]');
    if (seen && last.length) seen.value = last[last.length - 1].id.slice(2);
  }

  // #presence is an aria-live region: swap it only when the markup changed, or
  // screen readers would repeat "Anna is viewing" on every 20 s heartbeat.
  let presenceSeq = 0;
  let presenceHtml = presenceEl ? presenceEl.innerHTML.trim() : '';
  function applyPresence(seq, html) {
    if (!presenceEl || seq !== presenceSeq || html.trim() === presenceHtml) return;
    presenceHtml = html.trim();
    presenceEl.innerHTML = presenceHtml;
  }
  async function refreshPresence() {
    const url = casePage && safePath(casePage.dataset.presenceUrl);
    if (!url || !presenceEl) return;
    const seq = ++presenceSeq;
    try { applyPresence(seq, await load(url)); } catch (err) { warn(err); }
  }

  // Debounced: one burst of events (e.g. a bulk action) causes one fetch.
  const scheduleInbox = debounce(refreshInbox, 300);
  const scheduleTimeline = debounce(refreshTimeline, 300);
  const schedulePresence = debounce(refreshPresence, 300);

  // --- server-sent events ---
  function parseData(e) {
    try {
      const d = JSON.parse(e.data);
      return d && typeof d === 'object' ? d : null;
    } catch (_) { return null; }
  }

  const notifCount = $('#notif-count');
  function setUnread(n) {
    const count = Math.max(0, Math.floor(Number(n)));
    if (!notifCount || !Number.isFinite(count)) return;
    notifCount.textContent = String(count);
    notifCount.dataset.count = String(count);
    notifCount.hidden = count === 0;
  }

  let source = null;
  function connectLive() {
    const url = safePath(body.dataset.liveUrl);
    if (!url || !window.EventSource || source) return;
    source = new EventSource(url); // reconnects by itself; `error` needs no handling
    source.addEventListener('case', (e) => {
      const d = parseData(e);
      if (!d) return;
      const summary = typeof d.summary === 'string' ? d.summary : '';
      if (casePage) {
        // On a case page only this case matters, for refresh and for speech.
        if (String(d.case_id) !== caseId) return;
        scheduleTimeline();
        schedulePresence();
        announce(summary || L.updated);
        return;
      }
      if (inbox) scheduleInbox();
      announce(summary);
    });
    source.addEventListener('presence', (e) => {
      const d = parseData(e);
      if (d && casePage && String(d.case_id) === caseId) schedulePresence();
    });
    source.addEventListener('notification', (e) => {
      const d = parseData(e);
      if (d && 'unread' in d) setUnread(d.unread);
    });
  }

  if (body.dataset.liveUrl) {
    connectLive();
    // An open EventSource blocks the bfcache: close on leaving, reconnect and
    // catch up when restored.
    window.addEventListener('pagehide', () => { if (source) { source.close(); source = null; } });
    window.addEventListener('pageshow', (e) => {
      if (!e.persisted) return;
      connectLive();
      if (inbox) scheduleInbox();
      if (casePage) { scheduleTimeline(); schedulePresence(); }
    });
  }

  // --- presence heartbeat (case page) ---
  const presenceUrl = casePage && safePath(casePage.dataset.presenceUrl);
  if (presenceUrl) {
    const BEAT_MS = 20000;
    const TYPING_MS = 30000;
    let lastTyped = 0;
    let lastComposing = null;
    let beatTimer = 0;
    let idleTimer = 0;

    const composing = () => !!replyText && replyText.value.trim() !== '' && Date.now() - lastTyped < TYPING_MS;

    const beat = async () => {
      lastComposing = composing();
      const seq = ++presenceSeq;
      try {
        const html = await load(presenceUrl, {
          method: 'POST',
          body: new URLSearchParams({ composing: lastComposing ? '1' : '0' }),
        });
        applyPresence(seq, html);
      } catch (err) { warn(err); }
    };
    // Tell others at once when composing flips, not only on the next beat.
    const checkFlip = () => { if (composing() !== lastComposing) beat(); };
    const stop = () => { clearInterval(beatTimer); clearTimeout(idleTimer); beatTimer = 0; };
    const start = () => { stop(); beat(); beatTimer = setInterval(beat, BEAT_MS); };

    if (replyText) {
      replyText.addEventListener('input', () => {
        lastTyped = Date.now();
        checkFlip();
        // Re-check when the typing window ends, so 1→0 goes out promptly.
        clearTimeout(idleTimer);
        idleTimer = setTimeout(checkFlip, TYPING_MS + 50);
      });
    }
    window.addEventListener('pagehide', () => {
      stop();
      // Beacons can't carry headers: the token goes in the urlencoded body.
      if (navigator.sendBeacon) {
        navigator.sendBeacon(`${presenceUrl}/leave`, new URLSearchParams({ _csrf: body.dataset.csrf || '' }));
      }
    });
    window.addEventListener('pageshow', (e) => { if (e.persisted) start(); });
    // Hidden tabs get throttled timers; check in when visible again.
    document.addEventListener('visibilitychange', () => { if (!document.hidden && beatTimer) beat(); });
    start();
  }

  // --- text blocks: `::word` completion ---
  const TRIGGER = /::([\p{L}\p{N}_-]*)$/u;
  const MAX_SUGGESTIONS = 8;

  function blocksUrl(base, param, value) {
    const u = new URL(base, window.location.href);
    u.searchParams.set(param, value);
    return u.pathname + u.search;
  }

  function setupCompletion(ta) {
    const base = safePath(ta.dataset.blocksUrl);
    if (!base) return;
    // Use the template's listbox; create one where there is none (#note-text).
    let list = document.getElementById(ta.getAttribute('aria-controls') || '');
    if (!list) {
      list = document.createElement('ul');
      list.id = `${ta.id || 'text'}-suggest`;
      list.className = 'suggest';
      list.hidden = true;
      ta.insertAdjacentElement('afterend', list);
      ta.setAttribute('aria-controls', list.id);
      ta.setAttribute('aria-autocomplete', 'list');
    }
    list.setAttribute('role', 'listbox');
    const idPrefix = list.id === 'block-suggest' ? 'sugg-' : `${list.id}-`;

    let items = [];
    let active = -1;
    let match = null; // { start, end } of the `::word` being completed
    let controller = null;
    let seqNo = 0;

    function close() {
      if (controller) controller.abort();
      controller = null;
      seqNo++;
      items = [];
      active = -1;
      match = null;
      list.hidden = true;
      list.textContent = '';
      ta.removeAttribute('aria-activedescendant');
    }

    function setActive(i) {
      const opts = $$('[role="option"]', list);
      if (!opts.length) return;
      active = (i + opts.length) % opts.length;
      opts.forEach((o, j) => o.setAttribute('aria-selected', String(j === active)));
      ta.setAttribute('aria-activedescendant', opts[active].id);
      opts[active].scrollIntoView({ block: 'nearest' });
    }

    function render(blocks) {
      items = blocks.slice(0, MAX_SUGGESTIONS);
      list.textContent = '';
      if (!items.length) { close(); announce(L.notFound); return; }
      items.forEach((b, i) => {
        const li = document.createElement('li');
        li.id = idPrefix + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        const name = document.createElement('span');
        name.className = 'sugg-name';
        name.textContent = String(b.name || '');
        const meta = document.createElement('span');
        meta.className = 'sugg-meta';
        meta.textContent = [b.category, b.language, b.tone].filter(Boolean).join(' · ');
        li.append(name, meta);
        list.append(li);
      });
      list.hidden = false;
      setActive(0); // Enter/Tab take the top hit straight away
      announce(L.found(items.length));
    }

    function choose(i) {
      const block = items[i];
      const m = match;
      close();
      if (!block || !m) return;
      insertText(ta, block.body || '', m.start, m.end);
      recordBlock(ta.form, block.id);
      announce(L.inserted);
    }

    const lookup = debounce(async (word) => {
      if (controller) controller.abort();
      controller = new AbortController();
      const seq = ++seqNo;
      try {
        const data = await load(blocksUrl(base, 'q', word), { signal: controller.signal }, true);
        if (seq === seqNo && match) render(Array.isArray(data) ? data : []);
      } catch (err) { warn(err); }
    }, 150);

    function onInput() {
      const caret = ta.selectionStart;
      const m = caret === ta.selectionEnd && TRIGGER.exec(ta.value.slice(0, caret));
      if (!m) { if (match || !list.hidden) close(); return; }
      match = { start: caret - m[0].length, end: caret };
      seqNo++; // anything still in flight was for an older word
      lookup(m[1]);
    }

    ta.addEventListener('input', onInput);
    ta.addEventListener('click', () => { if (match) onInput(); });
    ta.addEventListener('blur', close);
    ta.addEventListener('keydown', (e) => {
      if (list.hidden || !items.length) return;
      switch (e.key) {
        case 'ArrowDown': setActive(active + 1); break;
        case 'ArrowUp': setActive(active - 1); break;
        case 'Enter':
        case 'Tab':
          if (active < 0 || e.shiftKey) return;
          choose(active);
          break;
        case 'Escape':
          close();
          e.stopPropagation(); // don't also leave the field (global Escape)
          break;
        case 'ArrowLeft': case 'ArrowRight': case 'Home': case 'End':
          setTimeout(onInput, 0); // re-check once the caret has moved
          return;
        default:
          return;
      }
      e.preventDefault();
    });
    // mousedown + preventDefault keeps focus in the textarea (also on the scrollbar).
    list.addEventListener('mousedown', (e) => {
      e.preventDefault();
      const li = e.target.closest('[role="option"]');
      if (li) choose($$('[role="option"]', list).indexOf(li));
    });
  }

  for (const ta of [replyText, noteText]) if (ta) setupCompletion(ta);

  // --- text blocks: picker → preview → insert ---
  const picker = $('#block-picker');
  const preview = $('#block-preview');
  const insertBtn = $('#block-insert');
  const pickerBase = replyText && safePath(replyText.dataset.blocksUrl);
  if (picker && pickerBase) {
    let previewed = null; // { id, body }
    let pickSeq = 0;

    const clearPreview = () => {
      previewed = null;
      if (preview) { preview.hidden = true; preview.textContent = ''; }
    };

    async function loadBlock(id) {
      const seq = ++pickSeq;
      const data = await load(blocksUrl(pickerBase, 'id', id), {}, true);
      const block = Array.isArray(data) ? data[0] : data;
      if (seq !== pickSeq || !block) return null;
      previewed = { id: String(block.id || id), body: String(block.body || '') };
      if (preview) { preview.textContent = previewed.body; preview.hidden = false; }
      return previewed;
    }

    picker.addEventListener('change', () => {
      clearPreview();
      if (picker.value) loadBlock(picker.value).catch(warn);
      else pickSeq++;
    });

    if (insertBtn) {
      insertBtn.addEventListener('click', async () => {
        try {
          let block = previewed;
          if (picker.value && (!block || block.id !== picker.value)) block = await loadBlock(picker.value);
          if (!block) { picker.focus(); return; }
          // A blurred textarea keeps its selection: the caret from before the picker.
          insertText(replyText, block.body, replyText.selectionStart, replyText.selectionEnd);
          recordBlock(replyText.form, block.id);
          announce(L.inserted);
          picker.value = '';
          clearPreview();
        } catch (err) { warn(err); }
      });
    }
  }

  // --- after a failed form POST, land on the first invalid field ---
  const firstInvalid = $('[aria-invalid="true"]');
  if (firstInvalid && !$('[autofocus]')) firstInvalid.focus();

  // --- bulk bar: only the fields the chosen action needs (all stay visible without script) ---
  const bulkAction = $('#bulk-action');
  function showBulkFields() {
    for (const f of document.querySelectorAll('.bulk-field')) {
      f.hidden = !(f.dataset.actions || '').split(' ').includes(bulkAction.value);
    }
  }
  if (bulkAction) {
    bulkAction.addEventListener('change', showBulkFields);
    showBulkFields();
  }
})();
