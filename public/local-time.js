// Shows every <time datetime="…"> in the browser's time zone, with the zone's name and how
// long ago (or how soon) it is: "2026-12-01 00:35:12 EST · 3 min ago". The server renders UTC
// (kept in the title for hover) and a relative time of its own; this rewrites the text node in
// place, for the first render, for anything the live islands add later and every 30 s (the
// relative part moves on), so it needs no WASM and works on every page. It also fills the
// zone into filter forms: `[data-zone-name]` shows the zone's name and `input[data-tz-offset]`
// carries its UTC offset in minutes, so times typed into the form are read in the zone shown.
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function zoneName(d) {
    try {
      var parts = new Intl.DateTimeFormat(undefined, { timeZoneName: "short" }).formatToParts(d);
      for (var i = 0; i < parts.length; i++) if (parts[i].type === "timeZoneName") return parts[i].value;
    } catch (e) { /* fall through */ }
    var off = -d.getTimezoneOffset();
    return "UTC" + (off >= 0 ? "+" : "-") + pad(Math.floor(Math.abs(off) / 60)) + ":" + pad(Math.abs(off) % 60);
  }
  function relative(d) {
    var s = Math.round((Date.now() - d.getTime()) / 1000);
    var future = s < 0;
    s = Math.abs(s);
    var text;
    if (s < 45) return future ? "in a few seconds" : "just now";
    if (s < 3600) text = Math.round(s / 60) + " min";
    else if (s < 86400) text = Math.round(s / 3600) + " h";
    else text = Math.round(s / 86400) + " d";
    return future ? "in " + text : text + " ago";
  }
  function localText(el) {
    var d = new Date(el.getAttribute("datetime"));
    if (isNaN(d.getTime())) return null;
    var text = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + " " + zoneName(d);
    return el.hasAttribute("data-no-relative") ? text : text + " · " + relative(d);
  }
  function localize(el) {
    var text = localText(el);
    if (text === null) return;
    var node = el.firstChild;
    if (node && node.nodeType === Node.TEXT_NODE && !node.nextSibling) {
      // Same node, new data: a reactive update of this text keeps working.
      if (node.data !== text) node.data = text;
    } else if (el.textContent !== text) {
      el.textContent = text;
    }
  }
  function zoneFields(root) {
    var now = new Date();
    var name = zoneName(now);
    root.querySelectorAll("[data-zone-name]").forEach(function (el) {
      // Only when it differs: every write is a mutation this script observes.
      if (el.textContent !== name) el.textContent = name;
    });
    root.querySelectorAll("input[data-tz-offset]").forEach(function (el) {
      el.value = String(-now.getTimezoneOffset());
    });
  }
  function scan(root) {
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    if (root.matches("time[datetime]")) localize(root);
    root.querySelectorAll("time[datetime]").forEach(localize);
    zoneFields(root);
  }
  function start() {
    scan(document.body);
    new MutationObserver(function (records) {
      records.forEach(function (r) {
        if (r.type === "characterData") {
          var parent = r.target.parentElement;
          if (parent && parent.matches("time[datetime]")) localize(parent);
        } else {
          r.addedNodes.forEach(scan);
        }
      });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
    setInterval(function () { document.querySelectorAll("time[datetime]").forEach(localize); }, 30000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
