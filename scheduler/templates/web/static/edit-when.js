// While När is typed, how it reads (kind, dates, warnings, words not used) is fetched from the
// server as HTML and shown under the field, which is aria-live="polite". Only an enhancement:
// without this script the page's "Förhandsgranska" button shows the same reading. Served from
// /static (the Content-Security-Policy allows scripts from the site itself, nothing inline).
(function () {
  "use strict";
  var field = document.querySelector("textarea[data-reading]");
  var target = document.getElementById("nar-tolkning");
  if (!field || !target) {
    return;
  }
  var heading = target.querySelector("h2");
  var timer = null;
  var asked = 0;

  function show() {
    var number = ++asked;
    var url = field.getAttribute("data-reading") + "&nar=" + encodeURIComponent(field.value);
    fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      // Only the newest answer: an older one arriving late must not replace it.
      if (html === null || number !== asked) {
        return;
      }
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var parts = holder.querySelector("main") || holder;
      target.replaceChildren(heading);
      Array.prototype.slice.call(parts.children).forEach(function (child) {
        target.appendChild(child);
      });
    }, function () {});
  }

  field.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(show, 400);
  });
})();
