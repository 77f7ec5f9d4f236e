// A copy button after every address field (input[data-copy]), and the field's whole address
// selected when it is clicked. Only an enhancement: without this script the address can still
// be selected and copied by hand, as the page says. Served from /static (the Content-Security-
// Policy allows scripts from the site itself and nothing inline).
(function () {
  "use strict";

  function copyText(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    // Plain http on another host is no secure context: the older way still works there.
    input.focus();
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  function enhance(input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Kopiera adressen";
    // The visible words first, then which calendar: one name per button for screen readers.
    var which = document.createElement("span");
    which.className = "visually-hidden";
    which.textContent = " till " + input.getAttribute("data-copy");
    button.appendChild(which);

    var status = document.createElement("span");
    status.className = "copy-status";
    status.setAttribute("role", "status");

    button.addEventListener("click", function () {
      // Only the newest message stays: it belongs to the button just pressed.
      document.querySelectorAll(".copy-status").forEach(function (other) {
        other.textContent = "";
      });
      copyText(input).then(
        function () {
          status.textContent = "Adressen är kopierad. Klistra in den i kalenderprogrammet.";
        },
        function () {
          input.focus();
          input.select();
          status.textContent = "Det gick inte att kopiera. Adressen är markerad: kopiera den med Ctrl+C (på Mac ⌘+C).";
        }
      );
    });
    input.addEventListener("click", function () {
      input.select();
    });

    var row = document.createElement("div");
    row.className = "copy-row";
    row.appendChild(button);
    row.appendChild(status);
    input.insertAdjacentElement("afterend", row);
  }

  document.querySelectorAll("input[data-copy]").forEach(enhance);
})();
