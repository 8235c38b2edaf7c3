/* The site's own behaviour, as a static file: no inline script, no inline event handler. */
(function () {
  "use strict";

  // After a refused save, take keyboard and screen-reader users to the summary of what went
  // wrong (the messages also stand next to their fields).
  var summary = document.querySelector(".dsfr-crispy-summary, [data-error-summary]");
  if (summary) {
    summary.focus();
  }
})();
