/* The site's own behaviour, as a static file: no inline script, no inline event handler. */
(function () {
  "use strict";

  // After a refused save, take keyboard and screen-reader users to the summary of what went
  // wrong (the messages also stand next to their fields).
  var summary = document.querySelector(".dsfr-crispy-summary, [data-error-summary]");
  if (summary) {
    summary.focus();
  }

  // A table wider than the screen scrolls sideways inside the DSFR's container. While it
  // does, the container is a region named after its table, which the keyboard reaches
  // (tabindex) to scroll it with the arrow keys; a table that fits adds no tab stop. Checked
  // whenever a container changes size (window resized, tab panel shown) and for the tables
  // htmx puts in place.
  var REGION_ATTRIBUTES = ["role", "aria-label", "tabindex", "data-scroll-region"];

  function tableName(table) {
    var caption = table.querySelector("caption");
    var labelledBy = table.getAttribute("aria-labelledby");
    var label = labelledBy && document.getElementById(labelledBy);
    var name = caption ? caption.textContent : label ? label.textContent : "";
    return (name || table.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim();
  }

  function markScrolling(container) {
    var table = container.querySelector("table");
    if (table && container.scrollWidth > container.clientWidth + 1) {
      var name = tableName(table);
      container.setAttribute("role", "region");
      container.setAttribute("aria-label", name ? name + " (tableau défilant)" : "Tableau défilant");
      container.setAttribute("tabindex", "0");
      container.setAttribute("data-scroll-region", "");
    } else if (container.hasAttribute("data-scroll-region")) {
      REGION_ATTRIBUTES.forEach(function (attribute) {
        container.removeAttribute(attribute);
      });
    }
  }

  var resized = window.ResizeObserver
    ? new ResizeObserver(function (entries) {
        entries.forEach(function (entry) {
          markScrolling(entry.target);
        });
      })
    : null;

  function watchTables(root) {
    root.querySelectorAll(".fr-table__container").forEach(function (container) {
      markScrolling(container);
      if (resized) {
        resized.observe(container);
      }
    });
  }

  watchTables(document);
  document.addEventListener("htmx:afterSettle", function (event) {
    watchTables(event.target.parentNode || document);
  });

  // A background job's page (templates/jobs/): once the job is done and its result asks
  // for it (a PDF), go to the result once, when the page loads or when htmx swaps the
  // finished state in (the finished part no longer polls, so this happens once).
  var followedJob = false;
  function followJobResult() {
    var done = document.querySelector("[data-job-redirect]");
    if (done && !followedJob) {
      followedJob = true;
      window.location.assign(done.getAttribute("data-job-redirect"));
    }
  }

  followJobResult();
  document.addEventListener("htmx:afterSettle", followJobResult);
})();
