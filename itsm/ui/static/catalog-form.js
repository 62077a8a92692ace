/* Catalog order forms: show a conditional field only when its condition holds.
 *
 * A field with a condition carries data-show-if='{"field": "model", "equals": ["other"]}'
 * or '{"field": "port_number", "checked": true}' on its input. A hidden field is also
 * disabled, so the browser neither requires nor sends it. Without JavaScript every field
 * shows and the server decides (it ignores the answers of hidden fields).
 */
(function () {
  "use strict";

  function controlValue(form, name) {
    var input = form.elements.namedItem(name);
    if (!input || input.disabled) {
      return undefined; // absent or hidden itself: the dependent field hides too
    }
    if (input.type === "checkbox") {
      return input.checked;
    }
    return input.value;
  }

  function holds(condition, value) {
    if (value === undefined) {
      return false;
    }
    if (Object.prototype.hasOwnProperty.call(condition, "checked")) {
      return value === Boolean(condition.checked);
    }
    return (condition.equals || []).map(String).indexOf(String(value)) !== -1;
  }

  function setup(form) {
    var dependents = Array.prototype.slice.call(form.querySelectorAll("[data-show-if]"));
    if (!dependents.length) {
      return;
    }
    function update() {
      // Document order: a controlling field comes first, so chains settle in one pass.
      dependents.forEach(function (input) {
        var condition;
        try {
          condition = JSON.parse(input.getAttribute("data-show-if"));
        } catch (e) {
          return;
        }
        var show = holds(condition, controlValue(form, condition.field));
        var wrapper = input.closest(".itsm-conditional") || input.parentNode;
        wrapper.hidden = !show;
        input.disabled = !show;
      });
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("order-form");
    if (form) {
      setup(form);
    }
  });
})();
