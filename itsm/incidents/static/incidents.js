// itsm incidents: progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Times are rendered in UTC; show them in the reader's own time zone.
  function localTimes() {
    document.querySelectorAll("time[data-local]").forEach(function (el) {
      var when = new Date(el.getAttribute("datetime"));
      if (isNaN(when.getTime())) return;
      el.title = el.textContent;
      el.textContent = when.toLocaleString(document.documentElement.lang || undefined, {
        year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"
      });
    });
  }

  // The report form: knowledge articles matching the title (the KB may not exist yet:
  // any error simply leaves the box empty).
  function kbSuggestions() {
    var box = document.getElementById("kb-suggestions");
    var input = document.querySelector("input[data-kb-query]");
    if (!box || !input || !window.fetch) return;
    var url = box.getAttribute("data-kb-url");
    if (!url) return;  // no knowledge base yet
    var timer = null;
    var last = "";
    // Deflection: a suggestion was opened and the form is then left without sending it.
    var opened = {};
    var sent = false;
    var form = input.form;
    if (form) form.addEventListener("submit", function () { sent = true; });
    window.addEventListener("pagehide", function () {
      if (sent) return;
      var tokenInput = document.querySelector("input[name=csrf_token]");
      Object.keys(opened).forEach(function (number) {
        fetch(url + "/" + encodeURIComponent(number) + "/deflections", {
          method: "POST", credentials: "same-origin", keepalive: true,
          headers: { "Accept": "application/json", "X-CSRF-Token": tokenInput ? tokenInput.value : "" }
        }).catch(function () {});
      });
      opened = {};
    });
    function show(items) {
      box.replaceChildren();
      items.slice(0, 5).forEach(function (item) {
        if (!item || !item.title) return;
        var link = document.createElement("a");
        link.textContent = item.title;
        var href = String(item.url || (item.number ? "/kb/" + encodeURIComponent(item.number) + "/" : ""));
        link.href = href.charAt(0) === "/" && href.charAt(1) !== "/" ? href : "#";
        link.target = "_blank";
        link.rel = "noopener";
        if (item.number) {
          link.addEventListener("click", function () { opened[item.number] = true; });
        }
        box.appendChild(link);
      });
    }
    function ask() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (q.length < 3) { box.replaceChildren(); return; }
      fetch(url + "?q=" + encodeURIComponent(q) + "&per_page=5", {
        credentials: "same-origin", headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      }).then(function (data) {
        if (q === last) show((data && data.items) || []);
      }).catch(function () { box.replaceChildren(); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    });
    if (input.value) ask();
  }

  document.addEventListener("DOMContentLoaded", function () {
    localTimes();
    kbSuggestions();
  });
})();
