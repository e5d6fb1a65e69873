// Shows every <time datetime="…"> in the browser's time zone. The server renders UTC (kept in
// the title for hover); this rewrites the text node in place, for the first render and for
// anything the live islands add later, so it needs no WASM and works on every page.
(function () {
  "use strict";
  function pad(n) { return String(n).padStart(2, "0"); }
  function localText(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return null;
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function localize(el) {
    var text = localText(el.getAttribute("datetime"));
    if (text === null) return;
    var node = el.firstChild;
    if (node && node.nodeType === Node.TEXT_NODE && !node.nextSibling) {
      // Same node, new data: a reactive update of this text keeps working.
      if (node.data !== text) node.data = text;
    } else if (el.textContent !== text) {
      el.textContent = text;
    }
  }
  function scan(root) {
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    if (root.matches("time[datetime]")) localize(root);
    root.querySelectorAll("time[datetime]").forEach(localize);
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
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
