/* Resonanz – Assist on the case page: reply drafts shown in place, "Insert" into the reply
 * (with the draft's id, so the ledger knows where the reply started), "Discard" without a
 * reload. Everything also works without it: the forms post and the page comes back.
 * Strict CSP: no inline script, no style attributes; innerHTML only gets our own server's
 * (escaped) HTML. */
(function () {
  'use strict';

  const body = document.body;
  if (!body) return;
  // Shows the buttons that need this script (`.needs-js`), hides the hints for copying by hand.
  document.documentElement.classList.add('js');

  const STRINGS = {
    de: {
      asking: 'Entwürfe werden vorgeschlagen …',
      found: (n) => (n === 1 ? '1 Entwurf vorgeschlagen' : `${n} Entwürfe vorgeschlagen`),
      none: 'Kein Entwurf vorgeschlagen',
      inserted: 'Entwurf in die Antwort eingefügt',
      rejected: 'Entwurf verworfen',
    },
    en: {
      asking: 'Proposing drafts …',
      found: (n) => (n === 1 ? '1 draft proposed' : `${n} drafts proposed`),
      none: 'No draft proposed',
      inserted: 'Draft inserted into the reply',
      rejected: 'Draft discarded',
    },
  };
  const L = STRINGS[(body.dataset.locale || document.documentElement.lang || 'de').slice(0, 2).toLowerCase()] || STRINGS.de;

  const $ = (sel, root = document) => root.querySelector(sel);
  const safePath = (u) => (typeof u === 'string' && u.startsWith('/') && !u.startsWith('//') ? u : null);

  function post(url) {
    const headers = new Headers({ Accept: 'text/html', 'X-CSRF-Token': body.dataset.csrf || '' });
    return fetch(`${url}?fragment=1`, { method: 'POST', headers, credentials: 'same-origin' }).then((res) => {
      // A redirect means the session ended and we were sent to the login: never show that.
      if (!res.ok || res.redirected) throw new Error(`HTTP ${res.status} ${url}`);
      return res.text();
    });
  }

  const liveStatus = $('#live-status');
  function announce(text) {
    if (!liveStatus || !text) return;
    liveStatus.textContent = '';
    setTimeout(() => { liveStatus.textContent = String(text); }, 50);
  }

  // Replaces the textarea's text; execCommand keeps Ctrl+Z and fires `input` (presence, unsaved guard).
  function replaceText(ta, text) {
    text = String(text).replace(/\r\n?/g, '\n');
    ta.focus();
    ta.setSelectionRange(0, ta.value.length);
    let ok = false;
    try { ok = document.execCommand('insertText', false, text); } catch (_) { /* unsupported */ }
    if (!ok) {
      ta.setRangeText(text, 0, ta.value.length, 'end');
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    }
  }

  const replyText = $('#reply-text');
  const draftId = $('#draft-id');
  const list = $('#drafts-list');
  const proposeForm = $('#drafts-form');

  // "Propose drafts": the panel alone, in place.
  if (proposeForm && list) {
    proposeForm.addEventListener('submit', async (e) => {
      const url = safePath(proposeForm.getAttribute('action'));
      if (!url) return;
      e.preventDefault();
      const button = $('button', proposeForm);
      if (button) button.disabled = true;
      list.setAttribute('aria-busy', 'true');
      announce(L.asking);
      try {
        list.innerHTML = await post(url);
        const n = list.querySelectorAll('.draft').length;
        announce(n ? L.found(n) : L.none);
      } catch (err) {
        console.warn('[resonanz]', err);
        proposeForm.submit(); // the plain way: the page comes back with the drafts
      } finally {
        if (button) button.disabled = false;
        list.removeAttribute('aria-busy');
      }
    });
  }

  // "Insert": the draft's text into the reply, and its id into the form.
  document.addEventListener('click', (e) => {
    const button = e.target.closest && e.target.closest('button.draft-insert');
    if (!button || !replyText) return;
    const id = button.dataset.draftId || '';
    const text = document.getElementById(`draft-text-${id}`);
    if (!text) return;
    replaceText(replyText, text.textContent);
    if (draftId) draftId.value = id;
    announce(L.inserted);
  });

  // "Discard": records the rejection and removes the draft.
  document.addEventListener('submit', async (e) => {
    const form = e.target;
    if (!form.matches || !form.matches('form.draft-reject')) return;
    const url = safePath(form.getAttribute('action'));
    if (!url) return;
    e.preventDefault();
    try {
      await post(url);
      const card = form.closest('.draft');
      const id = card ? card.id.replace(/^draft-/, '') : '';
      if (draftId && id && draftId.value === id) draftId.value = '';
      if (card) card.remove();
      announce(L.rejected);
      if (replyText) replyText.focus();
    } catch (err) {
      console.warn('[resonanz]', err);
      form.submit();
    }
  });
})();
