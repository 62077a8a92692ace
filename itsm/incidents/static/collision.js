// Collision notice: while an agent has an incident open, say every 20 s "I am here" (and
// "I am typing" when a form on the page has unsent text), and show who else is on it.
// The server keeps this in memory only (itsm.tickets.presence); without JavaScript the
// notice is the one rendered with the page, and a stale save is refused all the same.
(function () {
  "use strict";
  var notice = document.getElementById("collision-notice");
  if (!notice || !window.fetch) {
    return;
  }
  var url = notice.getAttribute("data-presence-url");
  var version = notice.getAttribute("data-version");
  var typed = false;

  document.addEventListener("input", function (event) {
    if (event.target.form && event.target.form.querySelector("input[name=version]")) {
      typed = Boolean(event.target.value);
    }
  });

  function show(lines) {
    var list = notice.querySelector("ul");
    while (list.firstChild) {
      list.removeChild(list.firstChild);
    }
    lines.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    notice.classList.toggle("d-none", lines.length === 0);
  }

  function ping() {
    fetch(url + (typed ? "?editing=1" : ""), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data) {
          return;
        }
        var lines = data.others.map(function (other) {
          return other.message;
        });
        if (data.version !== version) {
          lines.unshift(notice.getAttribute("data-changed"));
        }
        show(lines);
      })
      .catch(function () {
        /* offline for a moment: try again at the next tick */
      });
  }

  window.setInterval(ping, 20000);
})();
