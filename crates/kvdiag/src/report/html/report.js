"use strict";
(function () {
  var table = document.getElementById("subject-table");
  var filter = document.getElementById("filter");
  var only = document.getElementById("only-findings");
  var shown = document.getElementById("shown");
  if (table && filter && only && shown) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var texts = rows.map(function (r) { return r.textContent.toLowerCase(); });
    // Row indexes in the order shown; at most `limit` matching rows are shown at once (a
    // table of thousands of rows takes the browser seconds to lay out).
    var order = rows.map(function (r, i) { return i; });
    var page = Number(table.getAttribute("data-page")) || rows.length;
    var limit = page;
    var more = document.getElementById("more");
    var apply = function () {
      var q = filter.value.trim().toLowerCase();
      var matched = 0;
      order.forEach(function (i) {
        var r = rows[i];
        var match = (q === "" || texts[i].indexOf(q) >= 0) &&
          !(only.checked && r.getAttribute("data-findings") === "0");
        if (match) { matched += 1; }
        r.classList.toggle("hidden", !match || matched > limit);
      });
      var n = Math.min(matched, limit);
      shown.textContent = n + " of " + rows.length + " shown" +
        (matched > n ? " (" + matched + " match)" : "");
      if (more) { more.classList.toggle("hidden", matched <= limit); }
    };
    var again = function () { limit = page; apply(); };
    filter.addEventListener("input", again);
    only.addEventListener("change", again);
    var showMore = document.getElementById("show-more");
    var showAll = document.getElementById("show-all");
    if (showMore) { showMore.addEventListener("click", function () { limit += page; apply(); }); }
    if (showAll) { showAll.addEventListener("click", function () { limit = rows.length; apply(); }); }
    apply();
    var buttons = table.querySelectorAll("button.sort");
    Array.prototype.forEach.call(buttons, function (b) {
      b.addEventListener("click", function () {
        var col = Number(b.getAttribute("data-col"));
        var numeric = b.hasAttribute("data-numeric");
        var dir = b.getAttribute("data-dir") === "asc" ? "desc" : "asc";
        Array.prototype.forEach.call(buttons, function (o) { o.removeAttribute("data-dir"); });
        b.setAttribute("data-dir", dir);
        var key = function (r) {
          var c = r.cells[col];
          if (!c) { return ""; }
          return numeric ? Number(c.getAttribute("data-sort") || 0) : c.textContent;
        };
        var keys = rows.map(key);
        order.sort(function (a, b2) {
          var c = numeric ? keys[a] - keys[b2] : String(keys[a]).localeCompare(keys[b2]);
          if (dir !== "asc") { c = -c; }
          return c !== 0 ? c : a - b2;
        });
        var frag = document.createDocumentFragment();
        order.forEach(function (i) { frag.appendChild(rows[i]); });
        body.appendChild(frag);
        apply();
      });
    });
  }
  var copy = function (text, button) {
    var done = function () {
      button.textContent = "copied";
      window.setTimeout(function () { button.textContent = "copy"; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallback(text, done); });
    } else {
      fallback(text, done);
    }
  };
  var fallback = function (text, done) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* nothing to copy into */ }
    document.body.removeChild(area);
  };
  // Timeline marks: a tooltip made from the entry's row when first pointed at, and a click
  // goes to that row (opening the folded entries).
  var rowOf = function (ev) {
    var t = ev.target;
    if (!t || !t.classList || !t.classList.contains("mark")) { return null; }
    var section = t.closest("section");
    return section ? document.getElementById(section.id + "-e" + t.getAttribute("data-e")) : null;
  };
  document.addEventListener("mouseover", function (ev) {
    var row = rowOf(ev);
    if (row && !ev.target.firstChild) {
      var title = document.createElementNS("http://www.w3.org/2000/svg", "title");
      title.textContent = row.textContent.replace(/\s+/g, " ").trim().slice(0, 300);
      ev.target.appendChild(title);
    }
  });
  var reveal = function (id) {
    var row = id ? document.getElementById(id) : null;
    var details = row ? row.closest("details") : null;
    if (details) { details.open = true; }
    if (row) { row.scrollIntoView({ block: "center" }); }
  };
  document.addEventListener("click", function (ev) {
    var row = rowOf(ev);
    if (row) { window.location.hash = row.id; }
  });
  window.addEventListener("hashchange", function () { reveal(window.location.hash.slice(1)); });
  if (window.location.hash) { reveal(window.location.hash.slice(1)); }
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (b) {
    b.addEventListener("click", function () {
      var code = b.parentNode.querySelector("code");
      if (code) { copy(code.textContent, b); }
    });
  });
}());
