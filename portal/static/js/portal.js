// Small behaviours the CSP-safe way: no inline handlers anywhere in the templates.
(function () {
  "use strict";

  // Forms marked data-confirm ask before a destructive or irreversible action.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // After an HTMX swap, put the keyboard where the new content wants it.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    var focus = target && target.querySelector && target.querySelector("[data-autofocus]");
    if (focus) { focus.focus(); }
  });
})();
