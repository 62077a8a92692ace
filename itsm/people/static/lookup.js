// People look-up: an input with data-people-lookup="<url of GET /api/v1/people>" and
// list="<datalist id>" gets suggestions after three letters. Without JavaScript the input
// stays a plain login field, checked by the server when the form is sent.
(function () {
  "use strict";
  var MIN = 3;

  function label(person) {
    return [person.name, person.mail, person.department].filter(Boolean).join(" · ");
  }

  function attach(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) {
      return;
    }
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      var text = input.value.trim();
      window.clearTimeout(timer);
      if (text.length < MIN || text === last) {
        return;
      }
      timer = window.setTimeout(function () {
        last = text;
        var url = input.getAttribute("data-people-lookup") + "?q=" + encodeURIComponent(text);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : { items: [] };
          })
          .then(function (data) {
            if (input.value.trim() !== text) {
              return; // the person typed on; a newer answer follows
            }
            while (list.firstChild) {
              list.removeChild(list.firstChild);
            }
            (data.items || []).forEach(function (person) {
              var option = document.createElement("option");
              option.value = person.login;
              option.label = label(person);
              option.textContent = label(person);
              list.appendChild(option);
            });
          })
          .catch(function () {
            /* the directory or the network failed: the field still takes a login */
          });
      }, 250);
    });
  }

  document.querySelectorAll("input[data-people-lookup]").forEach(attach);
})();
