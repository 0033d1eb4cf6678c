// Scanner fields and small in-place forms of the warehouse, the CSP-safe way (no inline code).
//
// A barcode scanner types the code and Enter. A form marked data-scan takes it, empties the
// field at once (the next scan may already be arriving), posts the code in the background
// and shows the answer, while the field keeps the keyboard focus: no mouse is needed
// between scans. Scans are sent one after the other, in the order they were made.
//
// Markup:
//   form[data-scan]         the scanner form; its input[data-scan-input] keeps the focus
//   form[data-fetch-form]   any small form (a count line, a quantity) posted in place
//   data-target / data-swap where the answer goes: "inner", "outer" or "merge-row"
//   template[data-replace]  in an answer: replaces the element with that id, if on the page
//   [data-autofocus]        in an answer: takes the focus (e.g. a quantity to type)
//   [data-fail]             on the form or an ancestor: the message when a request fails
(function () {
  "use strict";

  var queue = Promise.resolve();

  function scanInput() {
    return document.querySelector("[data-scan-input]");
  }

  function failText(form) {
    var holder = form.closest("[data-fail]") || form;
    return holder.getAttribute("data-fail") || "Error";
  }

  function fragment(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html.trim();
    return tpl.content;
  }

  function replaceTemplates(root) {
    root.querySelectorAll("template[data-replace]").forEach(function (tpl) {
      var old = document.getElementById(tpl.getAttribute("data-replace"));
      if (old) {
        old.replaceWith(tpl.content.cloneNode(true));
      }
      tpl.remove();
    });
  }

  function processHtmx(el) {
    if (window.htmx && el) {
      window.htmx.process(el);
    }
  }

  function mergeRow(form, content) {
    // Receipt lines: the same part scanned again adds to its row instead of a new row.
    var target = document.querySelector(form.getAttribute("data-target"));
    var message = document.querySelector(form.getAttribute("data-message"));
    var row = content.querySelector("tr[data-part-id]");
    if (!row) {
      if (message) {
        message.replaceChildren(content);
      }
      return;
    }
    if (message) {
      message.replaceChildren();
    }
    var same = target.querySelector('tr[data-part-id="' + row.getAttribute("data-part-id") + '"]');
    if (same) {
      var input = same.querySelector("[data-quantity]");
      var added = parseFloat(row.querySelector("[data-quantity]").value) || 0;
      input.value = String((parseFloat(input.value) || 0) + added);
      same.classList.add("scanned");
    } else {
      target.appendChild(row);
    }
  }

  function show(form, html) {
    var content = fragment(html);
    var swap = form.getAttribute("data-swap") || "inner";
    if (swap === "merge-row") {
      mergeRow(form, content);
      return null;
    }
    var target = document.querySelector(form.getAttribute("data-target"));
    if (!target) {
      return null;
    }
    var first = content.firstElementChild;
    if (swap === "outer") {
      target.replaceWith(content);
      target = first;
    } else {
      target.replaceChildren(content);
    }
    if (target) {
      replaceTemplates(target);
      processHtmx(target);
    }
    return target;
  }

  function focusNext(shown) {
    var wanted = shown && shown.querySelector && shown.querySelector("[data-autofocus]");
    var field = wanted || scanInput();
    if (field) {
      field.focus();
    }
  }

  function send(form, body) {
    var done = queue.then(function () {
      return fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: {"HX-Request": "true"}
      }).then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      }).then(function (html) {
        focusNext(show(form, html));
      }).catch(function () {
        var target = document.querySelector(form.getAttribute("data-message") ||
                                            form.getAttribute("data-target"));
        var p = document.createElement("p");
        p.className = "flash flash-error";
        p.setAttribute("role", "alert");
        p.textContent = failText(form);
        if (target && target.tagName !== "TR") {
          target.replaceChildren(p);
        } else if (target) {
          target.after(p);
        }
        focusNext(null);
      });
    });
    queue = done;
    return done;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-scan")) {
      event.preventDefault();
      var input = form.querySelector("[data-scan-input]");
      var code = input.value.trim();
      if (!code) {
        return;
      }
      var body = new FormData(form);
      body.set(input.name, code);
      input.value = "";  // ready for the next scan before this one is answered
      input.focus();
      send(form, body);
    } else if (form.hasAttribute("data-fetch-form")) {
      event.preventDefault();
      send(form, new FormData(form));
    }
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-scan-code], [data-remove-row], [data-print]");
    if (!el) {
      return;
    }
    if (el.hasAttribute("data-print")) {
      window.print();
    } else if (el.hasAttribute("data-remove-row")) {
      el.closest("tr").remove();
      focusNext(null);
    } else {
      // A part picked from the search list is added as if its code had been scanned.
      var input = scanInput();
      if (input) {
        input.value = el.getAttribute("data-scan-code");
        input.form.requestSubmit();
      }
    }
  });
})();
