// itsm knowledge base: count a view of an article, or a search, once the page is shown.
// A small POST with the page's CSRF token (navigator.sendBeacon: it does not delay leaving the
// page). Without script nothing is sent, and the view is not counted (see the README).
(function () {
  "use strict";

  function send() {
    var el = document.querySelector("[data-kb-beacon]");
    if (!el) return;
    var url = el.getAttribute("data-kb-beacon");
    var token = el.getAttribute("data-kb-token");
    if (!url || !token) return;
    var body = new FormData();
    body.append("csrf_token", token);
    var query = el.getAttribute("data-kb-query");
    if (query !== null) body.append("q", query);
    if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    if (window.fetch) {
      fetch(url, { method: "POST", body: body, credentials: "same-origin", keepalive: true })
        .catch(function () {});
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", send);
  } else {
    send();
  }
})();
