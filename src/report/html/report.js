// monolens HTML report: views, selection and filters. No library, nothing fetched.
(function () {
  "use strict";
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var rows = $$("#findings tbody tr");

  // One view (whole system or one cluster) at a time.
  $$(".views button").forEach(function (b) {
    b.addEventListener("click", function () {
      $$(".views button").forEach(function (x) { x.classList.toggle("on", x === b); });
      $$(".view").forEach(function (v) { v.hidden = v.id !== b.dataset.view; });
      clear();
    });
  });

  function services(el) { return (el.dataset.services || "").split(" ").filter(Boolean); }
  function shares(a, b) { return a.some(function (x) { return b.indexOf(x) >= 0; }); }

  function clear() {
    $$("svg.picture").forEach(function (s) { s.classList.remove("selecting"); });
    $$(".hl, .sel").forEach(function (e) { e.classList.remove("hl", "sel"); });
    document.getElementById("selection").hidden = true;
  }

  // Clicking a node highlights its edges and neighbours and lists its findings.
  function select(node) {
    var svg = node.ownerSVGElement, id = node.dataset.id;
    var was = node.classList.contains("sel");
    clear();
    if (was) return;
    svg.classList.add("selecting");
    node.classList.add("sel", "hl");
    $$(".edge", svg).forEach(function (e) {
      if (e.dataset.from === id || e.dataset.to === id) {
        e.classList.add("hl");
        $$(".node", svg).forEach(function (n) {
          if (n.dataset.id === e.dataset.from || n.dataset.id === e.dataset.to) n.classList.add("hl");
        });
      }
    });
    var mine = services(node), panel = document.getElementById("selection"), list = panel.querySelector("ul");
    panel.querySelector("h3").textContent = id;
    list.textContent = "";
    rows.forEach(function (r) {
      if (!shares(mine, services(r))) return;
      r.classList.add("hl");
      var li = document.createElement("li");
      li.textContent = r.dataset.severity + " " + r.dataset.rule + ": " + r.cells[3].firstChild.textContent;
      list.appendChild(li);
    });
    if (!list.children.length) {
      var none = document.createElement("li");
      none.textContent = "no findings name it";
      list.appendChild(none);
    }
    panel.hidden = false;
  }
  $$(".node").forEach(function (n) {
    n.addEventListener("click", function () { select(n); });
    n.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(n); } });
  });
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") clear(); });

  // Findings filtered by severity and rule.
  var form = document.querySelector("form.filters");
  if (form) {
    var apply = function () {
      var on = $$("input[name=severity]", form).filter(function (c) { return c.checked; }).map(function (c) { return c.value; });
      var rule = form.querySelector("select[name=rule]").value;
      rows.forEach(function (r) {
        r.hidden = on.indexOf(r.dataset.severity) < 0 || (rule !== "" && r.dataset.rule !== rule);
      });
    };
    form.addEventListener("change", apply);
    apply();
  }
  // The browser test reads this to know the script ran to its end.
  document.body.dataset.ready = "yes";
})();
