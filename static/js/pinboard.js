// Pinboard's few behaviours that htmx does not cover: upload progress, live character counters,
// copy-to-clipboard, telling people when an htmx request fails or their session ended, the phone menu and focus after a
// swap. No framework, no CDN.
(function () {
  "use strict";

  // Upload progress: htmx forwards the XHR's upload progress events to the form.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("[data-upload]");
    if (!form || !event.detail.lengthComputable || !event.detail.total) return;
    var percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    var bar = form.querySelector("progress");
    var text = form.querySelector(".progress-text");
    if (bar) { bar.value = percent; bar.textContent = percent + "%"; }
    if (text) text.textContent = percent === 100 ? "Uploaded, checking the file…" : percent + "% uploaded";
  });

  // Upload on pick or drop: the uploader form's hx-trigger="change" sends it as soon as a file is
  // chosen; a file dropped on the form is put in its file input, which does the same. While the
  // request runs, Cancel aborts it (htmx:abort) and says so; the server's inline errors come back
  // as a 422 that htmx swaps in.
  function uploaderOf(node) { return node && node.closest ? node.closest("[data-upload]") : null; }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = uploaderOf(event.target);
    var cancel = form && form.querySelector(".upload-cancel");
    if (cancel) cancel.hidden = false;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = uploaderOf(event.target);
    var cancel = form && form.querySelector(".upload-cancel");
    if (cancel) cancel.hidden = true;
  });
  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest(".upload-cancel");
    var form = uploaderOf(cancel);
    if (!form || !window.htmx) return;
    window.htmx.trigger(form, "htmx:abort");
    cancel.hidden = true;
    var bar = form.querySelector("progress");
    var text = form.querySelector(".progress-text");
    var input = form.querySelector('input[type="file"]');
    if (bar) { bar.value = 0; bar.textContent = "0%"; }
    if (text) text.textContent = "Upload cancelled.";
    if (input) input.value = "";
  });
  document.addEventListener("dragover", function (event) {
    var form = uploaderOf(event.target);
    if (!form) return;
    event.preventDefault();
    form.classList.add("dragging");
  });
  document.addEventListener("dragleave", function (event) {
    var form = uploaderOf(event.target);
    if (form) form.classList.remove("dragging");
  });
  document.addEventListener("drop", function (event) {
    var form = uploaderOf(event.target);
    var input = form && form.querySelector('input[type="file"]');
    if (!input || !event.dataTransfer || !event.dataTransfer.files.length) return;
    event.preventDefault();
    form.classList.remove("dragging");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // Live counters at Pinterest's limits: "12 / 100 characters", flagged in words past the limit.
  function updateCounter(field) {
    var counter = document.querySelector('[data-counter-for="' + field.id + '"]');
    if (!counter) return;
    var limit = parseInt(field.getAttribute("data-counter"), 10);
    var used = field.value.length;
    counter.textContent = used + " / " + limit + " characters" + (used > limit ? " — " + (used - limit) + " too many" : "");
    counter.classList.toggle("over", used > limit);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("[data-counter]")) updateCounter(event.target);
  });
  function refreshCounters(root) {
    (root || document).querySelectorAll("[data-counter]").forEach(updateCounter);
  }
  document.addEventListener("DOMContentLoaded", function () { refreshCounters(document); });
  document.addEventListener("htmx:afterSettle", function (event) { refreshCounters(event.target); });

  // Copy a shown-once secret.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (!button) return;
    var input = document.querySelector(button.getAttribute("data-copy-target"));
    var status = button.parentElement.querySelector(".copy-status");
    if (!input) return;
    function done(message) { if (status) status.textContent = message; }
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { done("Copied."); },
        function () { done("Select the text and copy it."); });
    } else {
      done(document.execCommand("copy") ? "Copied." : "Select the text and copy it.");
    }
  });

  // Every login rotates the CSRF secret (Django does), so after logging in again in another tab this
  // page's tokens (the body's hx-headers, each form's hidden field) are stale. Each htmx request sends
  // the current one, read from the cookie, so the page still works after that login.
  function currentCsrfToken() {
    var current = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return current ? current[1] : null;
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var current = currentCsrfToken();
    if (!current) return;
    event.detail.headers["X-CSRFToken"] = current;
    if (event.detail.formData.has("csrfmiddlewaretoken")) event.detail.formData.set("csrfmiddlewaretoken", current);
  });
  // A plain form (no htmx) is sent by the browser itself: its hidden token is brought up to date as it
  // is submitted, or the save would be refused (403) and what was typed lost.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== "post") return;
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    var current = currentCsrfToken();
    if (field && current) field.value = current;
  }, true);

  // A request that failed (network, 5xx, 401, 403) says so instead of doing nothing.
  function announce(message) {
    var box = document.getElementById("htmx-error");
    if (!box || (!box.hidden && box.textContent === message)) return;  // a poll failing again: said once
    box.textContent = message;
    box.hidden = false;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    // 401: the session ended (publishing/middleware.py, HtmxSessionEndedMiddleware); this page stays as it is.
    announce(status === 401 ? "Your session has ended. Log in again in another tab, then try again here: this page keeps what you typed." :
      status === 403 ? "Your role does not allow that." : status === 404 ? "That item no longer exists." :
      "Something went wrong (" + status + "). Try again.");
  });
  document.addEventListener("htmx:sendError", function () { announce("The server could not be reached. Try again."); });

  // The main menu on a phone: below 48rem the CSS hides the navigation of a page with this script
  // (html.js) until the Menu button opens it; Escape closes it and gives focus back to the button.
  document.documentElement.classList.add("js");
  function setMenu(toggle, open) {
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    toggle.setAttribute("aria-expanded", String(open));
    if (nav) nav.classList.toggle("open", open);
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".menu-toggle");
    if (toggle) setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (event) {
    var toggle = document.querySelector('.menu-toggle[aria-expanded="true"]');
    if (event.key !== "Escape" || !toggle) return;
    setMenu(toggle, false);
    toggle.focus();
  });

  // "Tick every pin on this page": a header checkbox data-select-all="<name>" ticks or clears the
  // checkboxes of that name in its form (the pins list's bulk bar).
  document.addEventListener("change", function (event) {
    var all = event.target;
    if (!all.matches || !all.matches("[data-select-all]")) return;
    var scope = all.form || all.closest("form") || document;
    scope.querySelectorAll('input[type="checkbox"][name="' + all.getAttribute("data-select-all") + '"]')
      .forEach(function (box) { box.checked = all.checked; });
  });

  // Focus follows what a person's action changed (a click or a submit; never a poll or typing in a
  // filter): the element the response marks with data-focus-after-swap, else the first field in
  // error, else an alert or status message, else, when the swap took the focused control away, the
  // new content itself. Anything focused this way that is not a control gets tabindex="-1".
  var focusWasInSwap = false;
  var focusedThisSwap = false;
  var freshContent = [];  // what an afterbegin/afterend swap added next to its target (htmx:load)
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-focus-after-swap]").forEach(function (el) { el.removeAttribute("data-focus-after-swap"); });
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    focusWasInSwap = !!active && active !== document.body && !!event.detail.target && event.detail.target.contains(active);
    focusedThisSwap = false;
    freshContent = [];
  });
  document.addEventListener("htmx:load", function (event) { freshContent.push(event.target); });
  function within(roots, selector) {
    for (var i = 0; i < roots.length; i++) {
      var found = roots[i].matches(selector) ? roots[i] : roots[i].querySelector(selector);
      if (found) return found;
    }
    return null;
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    var config = event.detail.requestConfig;
    var cause = config && config.triggeringEvent;
    if (focusedThisSwap || !root.isConnected || !cause || (cause.type !== "click" && cause.type !== "submit")) return;
    var lost = !document.activeElement || document.activeElement === document.body;
    var roots = [root].concat(freshContent.filter(function (el) { return el.isConnected && el.matches; }));
    var goal = within(roots, "[data-focus-after-swap]") || within(roots, '[aria-invalid="true"]') ||
      within(roots, '[role="alert"]:not([hidden]), [role="status"]:not(:empty)') || (lost && focusWasInSwap ? root : null);
    if (!goal) return;
    if (!goal.matches("a[href], button, input, select, textarea, [tabindex]")) goal.setAttribute("tabindex", "-1");
    goal.removeAttribute("data-focus-after-swap");
    goal.focus();
    focusedThisSwap = true;
  });
})();

// Compose's preview paints the dominant colour behind the image (and in its swatch). django-csp
// forbids style attributes in templates, so the colour travels as data-dominant-color (checked
// #RRGGBB by the server) and is set here through the CSSOM.
(function () {
  function paint(root) {
    var painted = root.querySelectorAll ? root.querySelectorAll("[data-dominant-color]") : [];
    for (var i = 0; i < painted.length; i++) {
      var colour = painted[i].getAttribute("data-dominant-color");
      if (/^#[0-9A-Fa-f]{6}$/.test(colour)) painted[i].style.backgroundColor = colour;
    }
  }
  document.addEventListener("DOMContentLoaded", function () { paint(document); });
  document.addEventListener("htmx:load", function (event) { paint(event.target); });
})();
