// Roster console: a little comfort on top of pages that work without
// JavaScript. Nothing here is needed to complete a task.
(function () {
  "use strict";

  // Forms marked data-confirm ask before they are sent; a confirmed form
  // carries confirmed=yes so that the server does not ask again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (!question) {
      return;
    }
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var field = form.querySelector("input[name=confirmed]");
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "confirmed";
      form.appendChild(field);
    }
    field.value = "yes";
  });

  // A checkbox marked data-select-all ticks every checkbox of its form
  // whose name it gives; its state follows theirs.
  function boxesOf(all) {
    var form = all.form || document.getElementById(all.getAttribute("form"));
    var name = all.getAttribute("data-select-all");
    return form ? form.querySelectorAll("input[type=checkbox][name='" + name + "']") :
      document.querySelectorAll("input[type=checkbox][name='" + name + "'][form='" + all.getAttribute("form") + "']");
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-select-all")) {
      boxesOf(el).forEach(function (box) { box.checked = el.checked; });
      return;
    }
    document.querySelectorAll("input[data-select-all]").forEach(function (all) {
      var boxes = Array.prototype.slice.call(boxesOf(all));
      if (boxes.indexOf(el) < 0) {
        return;
      }
      var ticked = boxes.filter(function (b) { return b.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    });
  });

  // An input marked data-check-url asks the server, as the user types,
  // whether its value is already taken; the answer (a piece of HTML the
  // server wrote) goes into the element named by data-check-target, a
  // live region that screen readers announce.
  document.querySelectorAll("input[data-check-url]").forEach(function (input) {
    var target = document.getElementById(input.getAttribute("data-check-target"));
    var timer = null;
    var asked = "";
    function check() {
      var value = input.value.trim();
      if (value === asked) {
        return;
      }
      asked = value;
      if (value === "" || value.indexOf("@") < 0) {
        target.innerHTML = "";
        return;
      }
      fetch(input.getAttribute("data-check-url") + encodeURIComponent(value), {
        credentials: "same-origin",
        headers: { "Accept": "text/html" }
      }).then(function (res) {
        return res.ok ? res.text() : "";
      }).then(function (html) {
        if (asked === value) {
          target.innerHTML = html;
        }
      }).catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
    input.addEventListener("blur", check);
  });

  // A fieldset marked data-role-fields="SELECT" holds fields that belong
  // to one role each (data-for-role): only the chosen role's fields show,
  // and the fieldset hides when that role has none. Without JavaScript
  // every field shows, each with a hint naming its role.
  document.querySelectorAll("fieldset[data-role-fields]").forEach(function (set) {
    var select = document.getElementById(set.getAttribute("data-role-fields"));
    if (!select) {
      return;
    }
    function show() {
      var any = false;
      set.querySelectorAll("[data-for-role]").forEach(function (field) {
        var mine = field.getAttribute("data-for-role") === select.value;
        field.hidden = !mine && !field.classList.contains("field-invalid");
        any = any || !field.hidden;
      });
      set.hidden = !any;
    }
    select.addEventListener("change", show);
    show();
  });

  // Selects marked data-autosubmit send their form when changed (the
  // page also has a button for those without JavaScript).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.hasAttribute && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });
})();
