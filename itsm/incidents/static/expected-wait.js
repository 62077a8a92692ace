// The report form's "When to expect an answer": follow the chosen impact and urgency.
// The words for every combination come with the page (data-expected), so no request is made.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var card = document.getElementById("expected-wait");
    if (!card) return;
    var cells = JSON.parse(card.getAttribute("data-expected") || "{}");
    function chosen(name) {
      var input = document.querySelector('input[name="' + name + '"]:checked');
      return input ? input.value : null;
    }
    function update() {
      var cell = cells[chosen("impact") + ":" + chosen("urgency")];
      if (!cell) return;
      card.querySelector(".itsm-expected-response").textContent = cell.response;
      card.querySelector(".itsm-expected-resolution").textContent = cell.resolution;
      card.querySelector(".itsm-expected-zone").textContent = cell.zone;
    }
    document.querySelectorAll('input[name="impact"], input[name="urgency"]').forEach(function (input) {
      input.addEventListener("change", update);
    });
    update();
  });
})();
