"""Nothing typed is lost when the tab closes: the page's last text is sent as it goes, and leaving warns meanwhile.

Gradio's autosave runs one event at a time per page (trigger_mode="always_last"), so the last keystrokes wait
behind the save in flight and die with the tab. The page therefore numbers each autosave (BEFORE_SAVE_JS, the
event's js step), learns which of its texts the server confirmed (AFTER_SAVE_JS), and on beforeunload /
pagehide / visibilitychange sends the current text with ``navigator.sendBeacon`` to
POST /api/v1/drafts/{id}/autosave (drafting/api.py), which saves it in the page's order (drafting/autosave.py).
While the text on screen is not yet confirmed, beforeunload asks the browser's leave-page question.
The 批量 item editor has its own guard (window.__dzBatchLeave) over its three boxes, on the same endpoint.
"""

from __future__ import annotations

# Runs before each autosave event; its return value is what the server receives (the last input gets "token:seq").
BEFORE_SAVE_JS = """(id, version, title, body, comm, pageSeq) => {
  const g = window.__dzLeave;
  if (!g) return [id, version, title, body, comm, pageSeq];
  const seq = ++g.seq;
  g.sent[seq] = {id: String(id || ''), title: title || '', body: body || '', comm: comm || ''};
  g.last = {id: String(id || ''), version: String(version || '')};
  return [id, version, title, body, comm, g.token + ':' + seq];
}"""

# Runs after each autosave event with the hidden field the server echoes ("token:seq" of the text it holds).
AFTER_SAVE_JS = """(pageSeq) => { if (window.__dzLeave) window.__dzLeave.confirm(pageSeq); return []; }"""

# The 批量 editor's autosave has more inputs (issue, draft id, version, texts, tick, page_seq): same numbering.
BATCH_BEFORE_SAVE_JS = """(issue, id, version, title, body, comm, ticked, pageSeq) => {
  const g = window.__dzBatchLeave;
  if (!g) return [issue, id, version, title, body, comm, ticked, pageSeq];
  const seq = ++g.seq;
  g.sent[seq] = {id: String(id || ''), title: title || '', body: body || '', comm: comm || ''};
  g.last = {id: String(id || ''), version: String(version || '')};
  return [issue, id, version, title, body, comm, ticked, g.token + ':' + seq];
}"""

BATCH_AFTER_SAVE_JS = """(pageSeq) => { if (window.__dzBatchLeave) window.__dzBatchLeave.confirm(pageSeq); return []; }"""

# One guard per editor on the page (起草 and 批量), each watching its own three boxes.
LEAVE_GUARD_JS = r"""<script>
(() => {
 const install = (name, ids) => {
  const rand = () => (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
  const g = window[name] = {token: rand(), seq: 0, sent: {}, saved: null, savedSeq: 0, last: null, beaconed: null};
  const field = (id) => document.querySelector(`#${id} textarea, #${id} input`);
  const current = () => ({title: field(ids[0])?.value ?? '', body: field(ids[1])?.value ?? '',
                          comm: field(ids[2])?.value ?? ''});
  const same = (a, b) => !!a && !!b && a.title === b.title && a.body === b.body && a.comm === b.comm;
  g.confirm = (pageSeq) => {
    const [token, n] = String(pageSeq || '').split(':');
    const seq = Number(n);
    if (token !== g.token || !(seq > g.savedSeq)) return;
    g.savedSeq = seq;
    g.saved = g.sent[seq] || g.saved;
    for (const k of Object.keys(g.sent)) if (Number(k) < seq) delete g.sent[k];
  };
  // A save is pending while the text on screen is not the text the server confirmed for the open draft.
  g.pending = () => {
    const last = g.last;
    if (!last || !last.id) return false;
    const cur = current();
    if (g.saved && g.saved.id === last.id && same(cur, g.saved)) return false;
    return !(g.beaconed && g.beaconed.id === last.id && same(cur, g.beaconed));
  };
  g.flush = () => {
    if (!g.pending()) return false;
    const last = g.last, cur = current(), seq = ++g.seq;
    const payload = JSON.stringify({title: cur.title, body: cur.body, commentary: cur.comm,
                                    version: Number(last.version) || null, page: g.token, seq});
    const base = location.href.split(/[?#]/)[0].replace(/[^/]*$/, '');
    const url = `${base}api/v1/drafts/${encodeURIComponent(last.id)}/autosave`;
    // text/plain: a "simple" request that sendBeacon may always send; the server reads the JSON from it.
    const sent = navigator.sendBeacon && navigator.sendBeacon(url, new Blob([payload], {type: 'text/plain;charset=UTF-8'}));
    if (!sent) fetch(url, {method: 'POST', body: payload, keepalive: true, credentials: 'same-origin'}).catch(() => {});
    g.beaconed = {id: last.id, ...cur};
    return true;
  };
  addEventListener('beforeunload', (ev) => {
    if (!g.pending()) return;
    g.flush();  // sent now: if the editor leaves anyway, the text is saved
    ev.preventDefault();
    ev.returnValue = '草稿尚未保存完毕，确定离开吗？';  // browsers show their own wording
  });
  addEventListener('pagehide', () => { g.flush(); });
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') g.flush(); });
 };
 install('__dzLeave', ['dz-title', 'dz-body', 'dz-comm']);
 install('__dzBatchLeave', ['dz-batch-title', 'dz-batch-body', 'dz-batch-commentary']);
})();
</script>"""
