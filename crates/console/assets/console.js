// vigil console: keyboard triage, click-to-reveal media, and a record of CSP violations.
// Served from 'self' (the CSP allows no inline script); every page works without it.
(function () {
  "use strict";
  var violations = [];
  window.__vigilCsp = violations;
  document.addEventListener("securitypolicyviolation", function (e) {
    violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });

  function typing(t) {
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" ||
      t.isContentEditable);
  }

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr[data-href]")); }

  function select(i) {
    var r = rows();
    if (!r.length) { return; }
    i = Math.max(0, Math.min(r.length - 1, i));
    r.forEach(function (x) { x.classList.remove("selected"); });
    r[i].classList.add("selected");
    r[i].scrollIntoView({ block: "nearest" });
  }

  function current() {
    var r = rows();
    for (var i = 0; i < r.length; i++) { if (r[i].classList.contains("selected")) { return i; } }
    return -1;
  }

  var ACTIONS = { r: "remove_post", s: "suspend_account", d: "dismiss", e: "escalate",
    l: "label", b: "bulk_suspend_accounts" };

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
    var k = ev.key;
    var form = document.getElementById("decision");
    if (form && ACTIONS[k]) {
      var sel = form.querySelector("select[name=action]");
      var opt = sel && sel.querySelector("option[value=" + ACTIONS[k] + "]");
      if (opt) {
        sel.value = ACTIONS[k];
        var reason = form.querySelector("textarea[name=reason]");
        if (reason) { reason.focus(); }
        ev.preventDefault();
      }
      return;
    }
    if (!rows().length) { return; }
    var i = current();
    if (k === "j") { select(i + 1); ev.preventDefault(); }
    else if (k === "k") { select(i < 0 ? 0 : i - 1); ev.preventDefault(); }
    else if (k === "Enter" && i >= 0) { window.location.href = rows()[i].getAttribute("data-href"); }
    else if (k === "c" && i >= 0) {
      var f = rows()[i].querySelector("form.claim");
      if (f) { f.requestSubmit ? f.requestSubmit() : f.submit(); }
    } else if (ACTIONS[k] && i >= 0) {
      window.location.href = rows()[i].getAttribute("data-href") + "?action=" + ACTIONS[k];
    }
  });

  document.addEventListener("click", function (ev) {
    var m = ev.target.closest && ev.target.closest(".media");
    if (m) { m.classList.toggle("blurred"); m.setAttribute("aria-pressed", m.classList.contains("blurred") ? "false" : "true"); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (rows().length && current() < 0) { select(0); }
  });
  document.body && document.body.addEventListener("htmx:afterSettle", function () {
    if (rows().length && current() < 0) { select(0); }
  });
})();
