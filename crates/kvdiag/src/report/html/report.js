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
    var apply = function () {
      var q = filter.value.trim().toLowerCase();
      var n = 0;
      rows.forEach(function (r, i) {
        var hide = (q !== "" && texts[i].indexOf(q) < 0) ||
          (only.checked && r.getAttribute("data-findings") === "0");
        r.classList.toggle("hidden", hide);
        if (!hide) { n += 1; }
      });
      shown.textContent = n + " of " + rows.length + " shown";
    };
    filter.addEventListener("input", apply);
    only.addEventListener("change", apply);
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
        var keyed = rows.map(function (r, i) { return [key(r), i, r]; });
        keyed.sort(function (a, b2) {
          var c = numeric ? a[0] - b2[0] : a[0].localeCompare(b2[0]);
          if (c === 0) { c = a[1] - b2[1]; }
          return dir === "asc" ? c : -c;
        });
        var frag = document.createDocumentFragment();
        keyed.forEach(function (k) { frag.appendChild(k[2]); });
        body.appendChild(frag);
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
