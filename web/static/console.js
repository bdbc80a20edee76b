// Fireline console script: live countdowns and live updates. The pages
// work without it; it only keeps them fresh. No libraries.
(function () {
  'use strict';
  var body = document.body;
  // Countdowns use the server's clock: offset corrects the browser's.
  var offset = 0;
  function syncClock(doc) {
    var t = Date.parse(doc.body.getAttribute('data-server-now'));
    if (!isNaN(t)) { offset = t - Date.now(); }
  }
  function now() { return Date.now() + offset; }
  // span formats like the server's span(): 2d 3h, 3h 12m, 12m 5s, 40s.
  function span(ms) {
    var s = Math.floor(ms / 1000);
    if (s >= 86400) { return Math.floor(s / 86400) + 'd ' + Math.floor(s % 86400 / 3600) + 'h'; }
    if (s >= 3600) { return Math.floor(s / 3600) + 'h ' + Math.floor(s % 3600 / 60) + 'm'; }
    if (s >= 60) { return Math.floor(s / 60) + 'm ' + (s % 60) + 's'; }
    return s + 's';
  }
  function tick() {
    var clocks = document.querySelectorAll('.clock[data-due]');
    for (var i = 0; i < clocks.length; i++) {
      var el = clocks[i];
      if (el.getAttribute('data-done')) { continue; }
      // At risk from data-risk (the policy's share of the clock's time,
      // as the server marks it), breached once due.
      var due = Date.parse(el.getAttribute('data-due'));
      var risk = Date.parse(el.getAttribute('data-risk'));
      var left = due - now();
      var state = left < 0 ? 'late' : (now() >= risk ? 'warn' : 'ok');
      el.className = el.className.replace(/clock-(ok|warn|late)/, 'clock-' + state);
      var text = el.querySelector('.text');
      if (text) { text.textContent = left < 0 ? 'overdue by ' + span(-left) : 'in ' + span(left); }
      var mark = el.querySelector('.mark');
      if (mark) { mark.textContent = { late: ' · breached', warn: ' · at risk', ok: '' }[state]; }
    }
  }
  syncClock(document);
  tick();
  setInterval(tick, 1000);

  // Live updates: on each change event, fetch this page again and swap
  // in its [data-live] regions, leaving forms being typed in alone.
  var src = body.getAttribute('data-live');
  if (!src || !window.EventSource || !window.fetch || !window.DOMParser) { return; }
  var busy = false, again = false;
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    // A refused form's page is shown at the form's action: fetch the
    // page itself (data-self) where the server names it.
    fetch(body.getAttribute('data-self') || location.href, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, 'text/html');
        syncClock(doc);
        var regions = document.querySelectorAll('[data-live]');
        for (var i = 0; i < regions.length; i++) {
          var fresh = doc.getElementById(regions[i].id);
          if (fresh) { regions[i].replaceWith(document.importNode(fresh, true)); }
        }
        tick();
        var status = document.getElementById('live-status');
        if (status) { status.textContent = 'Updated ' + new Date().toLocaleTimeString(); }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }
  var es = new EventSource(src);
  es.addEventListener('change', refresh);
  es.addEventListener('open', function () { body.setAttribute('data-live-open', 'true'); });
})();
