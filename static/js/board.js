/*
 * The workshop board (templates/workshops/board/): what htmx does not do by itself.
 *
 * - Answers 409 (someone saved first) and 422 (bad input) carry a form to show: swap them.
 * - After each swap, the server says (HX-Trigger-After-Settle: board:settled) what to
 *   announce in the live region and which element to focus.
 * - A cell, row table or list redrawn around an open edit form keeps that form, with what
 *   was typed in it (and what was typed in the "add" fields).
 * - A save refused because the session expired (401), the security token changed (403) or
 *   the connection dropped keeps the typed text in sessionStorage, keyed by the page and the
 *   field, says that nothing was saved, and puts the text back after logging in again.
 * - Enter saves an edit (Shift+Enter: new line), Escape cancels it; confirmation panels;
 *   the stage tabs, while the DSFR script is not loaded.
 *
 * No inline script or handler anywhere: this file is enough under a strict CSP.
 */
(function () {
  "use strict";

  if (window.boardScriptLoaded) {
    return;
  }
  window.boardScriptLoaded = true;

  var htmx = window.htmx;
  var board = document.getElementById("board");
  if (!board) {
    return;
  }
  var DRAFTS_KEY = "board-drafts:" + board.getAttribute("data-board-url");

  if (htmx) {
    htmx.config.includeIndicatorStyles = false; // no inline <style> (CSP)
    htmx.config.allowEval = false;
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409|422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false }
    ];
  }

  // Announcements and focus -----------------------------------------------------------------

  var statusRegion = document.getElementById("board-status");
  var alertsRegion = document.getElementById("board-alerts");

  function announce(message) {
    if (!statusRegion || !message) {
      return;
    }
    statusRegion.textContent = "";
    window.setTimeout(function () {
      statusRegion.textContent = message;
    }, 50);
  }

  function isFocusable(element) {
    return element && !element.disabled && element.offsetParent !== null;
  }

  function focusFirst(ids) {
    for (var i = 0; i < ids.length; i++) {
      var element = document.getElementById(ids[i]);
      if (isFocusable(element)) {
        if (!element.matches("a, button, input, select, textarea, [tabindex]")) {
          element.setAttribute("tabindex", "-1");
        }
        element.focus();
        return element;
      }
    }
    return null;
  }

  // True when the swap removed the focused element. If the user has already moved on (typing
  // fast, or a slow answer during a live workshop), focus stays where they are now.
  function focusWasLost() {
    var active = document.activeElement;
    return !active || active === document.body || !document.body.contains(active);
  }

  document.body.addEventListener("board:settled", function (event) {
    var detail = event.detail || {};
    if (detail.focus && focusWasLost()) {
      focusFirst(detail.focus);
    }
    announce(detail.announce);
  });

  // Keeping open forms across redraws -------------------------------------------------------

  var kept = null;

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var source = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    kept = { forms: [], values: [] };
    if (!target || !board.contains(target)) {
      return;
    }
    target.querySelectorAll(".board-editing[id]").forEach(function (element) {
      if (element !== target && !(source && element.contains(source))) {
        kept.forms.push(element);
      }
    });
    target.querySelectorAll("input[data-board-draft][id]").forEach(function (input) {
      var inKeptForm = kept.forms.some(function (form) {
        return form.contains(input);
      });
      var submitted = source && source.contains(input);
      if (input.value && !inKeptForm && !submitted) {
        kept.values.push([input.id, input.value]);
      }
    });
  });

  document.body.addEventListener("htmx:afterSwap", function () {
    if (!kept) {
      return;
    }
    kept.forms.forEach(function (element) {
      var fresh = document.getElementById(element.id);
      if (fresh && fresh !== element) {
        fresh.replaceWith(element);
      }
    });
    kept.values.forEach(function (pair) {
      var input = document.getElementById(pair[0]);
      if (input && !input.value) {
        input.value = pair[1];
      }
    });
    kept = null;
  });

  // Saves that failed: keep what was typed --------------------------------------------------

  function readDrafts() {
    try {
      return JSON.parse(window.sessionStorage.getItem(DRAFTS_KEY) || "[]");
    } catch (error) {
      return [];
    }
  }

  function writeDrafts(drafts) {
    try {
      if (drafts.length) {
        window.sessionStorage.setItem(DRAFTS_KEY, JSON.stringify(drafts));
      } else {
        window.sessionStorage.removeItem(DRAFTS_KEY);
      }
    } catch (error) {
      // Storage full or disabled: the alert still shows the text.
    }
  }

  /** Stores the typed fields of the form that sent the request; returns their texts. */
  function keepTyped(element) {
    var form = element && element.closest ? element.closest("form") : null;
    if (!form) {
      return [];
    }
    var drafts = readDrafts().filter(function (draft) {
      return !form.querySelector("#" + CSS.escape(draft.field));
    });
    var texts = [];
    form.querySelectorAll("[data-board-draft][id]").forEach(function (field) {
      if (!field.value.trim()) {
        return;
      }
      texts.push(field.value);
      drafts.push({
        field: field.id,
        value: field.value,
        open: form.getAttribute("data-board-open"),
        target: form.getAttribute("data-board-target")
      });
    });
    writeDrafts(drafts);
    return texts;
  }

  function loginUrl() {
    var next = window.location.pathname + window.location.search;
    return board.getAttribute("data-login-url") + "?next=" + encodeURIComponent(next);
  }

  /** An error alert, next to what failed (`anchor`) when given, else at the top. */
  function showAlert(title, paragraphs, texts, withLogin, anchor) {
    if (!alertsRegion) {
      return;
    }
    var alert = document.createElement("div");
    alert.className = "fr-alert fr-alert--error board-alert";
    alert.setAttribute("role", "alert");
    var heading = document.createElement("h2");
    heading.className = "fr-alert__title";
    heading.textContent = title;
    alert.appendChild(heading);
    paragraphs.forEach(function (text) {
      var p = document.createElement("p");
      p.textContent = text;
      alert.appendChild(p);
    });
    if (texts.length) {
      var intro = document.createElement("p");
      intro.textContent = "Votre saisie\u00a0:";
      alert.appendChild(intro);
      texts.forEach(function (text) {
        var quote = document.createElement("blockquote");
        quote.className = "board-alert__typed";
        quote.textContent = text;
        alert.appendChild(quote);
      });
    }
    if (withLogin) {
      var p = document.createElement("p");
      var link = document.createElement("a");
      link.href = loginUrl();
      link.className = "fr-link";
      link.textContent = "Se reconnecter";
      p.appendChild(link);
      alert.appendChild(p);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "fr-btn--close fr-btn";
    close.textContent = "Masquer le message";
    close.addEventListener("click", function () {
      alert.remove();
    });
    alert.appendChild(close);
    var form = anchor && board.contains(anchor) ? anchor.closest("form") : null;
    var container = anchor && board.contains(anchor) ? anchor.closest(".board-cell, td") : null;
    if (form) {
      alert.classList.add("fr-alert--sm");
      form.after(alert);
    } else if (container) {
      alert.classList.add("fr-alert--sm");
      container.append(alert);
    } else {
      alertsRegion.prepend(alert);
    }
  }

  function refused(event, status, reason) {
    var element = event.detail.elt;
    var texts = keepTyped(element);
    var keptNote = texts.length
      ? "Ce que vous aviez saisi est gardé dans ce navigateur et sera remis à sa place."
      : "";
    if (status === 401) {
      showAlert(
        "Votre session a expiré\u00a0: rien n’a été enregistré",
        ["Reconnectez-vous, puis revenez sur ce tableau.", keptNote].filter(Boolean),
        texts,
        true,
        element
      );
    } else if (status === 403 && reason === "forbidden") {
      writeDrafts([]);
      showAlert(
        "Modification refusée",
        ["Vous pouvez lire cette synthèse mais pas la modifier. Rien n’a été enregistré."],
        texts,
        false,
        element
      );
    } else if (status === 403 && reason === "archived") {
      writeDrafts([]);
      showAlert(
        "Synthèse archivée\u00a0: rien n’a été enregistré",
        ["Elle ne peut plus être modifiée. Restaurez-la depuis sa page pour la modifier à nouveau."],
        texts,
        false,
        element
      );
    } else if (status === 403) {
      showAlert(
        "Rien n’a été enregistré",
        [
          "Le jeton de sécurité de la page n’est plus valide (par exemple après une " +
            "reconnexion dans un autre onglet). Rechargez la page, puis recommencez.",
          keptNote
        ].filter(Boolean),
        texts,
        false,
        element
      );
    } else if (status === 404) {
      writeDrafts([]);
      showAlert(
        "Rien n’a été enregistré",
        ["Ce que vous modifiiez a été supprimé entre-temps par quelqu’un d’autre. " +
          "Rechargez la page pour voir le tableau à jour."],
        texts,
        false,
        element
      );
    } else if (status === 0) {
      showAlert(
        "Connexion perdue\u00a0: rien n’a été enregistré",
        ["Vérifiez votre connexion, puis recommencez.", keptNote].filter(Boolean),
        texts,
        false,
        element
      );
    } else {
      showAlert(
        "Erreur du serveur\u00a0: rien n’a été enregistré",
        ["Réessayez dans un instant.", keptNote].filter(Boolean),
        texts,
        false,
        element
      );
    }
  }

  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    refused(event, xhr.status, xhr.getResponseHeader("X-Board-Error"));
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    refused(event, 0, null);
  });

  /** After logging in again: typed texts go back where they were typed. */
  function restoreDrafts() {
    var drafts = readDrafts();
    if (!drafts.length) {
      return;
    }
    writeDrafts([]);
    var lost = [];
    var pending = [];

    function fill(draft) {
      var field = document.getElementById(draft.field);
      if (!field) {
        lost.push(draft.value);
        return null;
      }
      showPanelOf(field);
      field.value = draft.value;
      field.classList.add("board-restored");
      return field;
    }

    var first = null;
    drafts.forEach(function (draft) {
      if (document.getElementById(draft.field) || !draft.open || !draft.target || !htmx) {
        first = fill(draft) || first;
        return;
      }
      var target = document.getElementById(draft.target);
      if (!target) {
        lost.push(draft.value);
        return;
      }
      pending.push(
        htmx
          .ajax("GET", draft.open, { target: "#" + draft.target, swap: "outerHTML" })
          .then(function () {
            first = fill(draft) || first;
          })
      );
    });
    Promise.all(pending).then(function () {
      if (first) {
        first.focus();
        announce(
          "Votre saisie non enregistrée a été remise à sa place\u00a0: vérifiez-la, puis enregistrez-la."
        );
      }
      if (lost.length) {
        showAlert(
          "Saisie non enregistrée",
          ["Ce que vous modifiiez n’existe plus sur ce tableau. Voici votre texte, à recopier si besoin."],
          lost,
          false
        );
      }
    });
  }

  // Keyboard: Enter saves, Escape cancels ---------------------------------------------------

  board.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches("textarea[data-board-submit-on-enter]")) {
      if (event.key === "Escape" && field.closest && field.closest(".board-editing form")) {
        cancel(field.closest("form"), event);
      }
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      field.form.requestSubmit();
    } else if (event.key === "Escape") {
      cancel(field.form, event);
    }
  });

  function cancel(form, event) {
    var button = form && form.querySelector("[data-board-cancel]");
    if (button) {
      event.preventDefault();
      button.click();
    }
  }

  // Confirmation panels and dismissable notices --------------------------------------------

  board.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-board-toggle]");
    if (toggle) {
      var id = toggle.getAttribute("data-board-toggle") || toggle.getAttribute("aria-controls");
      var panel = document.getElementById(id);
      var opener = board.querySelector('[aria-controls="' + id + '"]');
      if (!panel) {
        return;
      }
      var open = panel.hidden;
      panel.hidden = !open;
      if (opener) {
        opener.setAttribute("aria-expanded", open ? "true" : "false");
      }
      if (open) {
        var first = panel.querySelector("button");
        if (first) {
          first.focus();
        }
      } else if (opener) {
        opener.focus();
      }
      return;
    }
    var dismiss = event.target.closest("[data-board-dismiss]");
    if (dismiss) {
      var notice = document.getElementById(dismiss.getAttribute("data-board-dismiss"));
      if (notice) {
        notice.remove();
      }
    }
  });

  // Tabs: the DSFR script runs them; the stage in the URL (?etape=) follows the tab chosen,
  // so that a reload or a login comes back to it. Without the DSFR script, this does it all.

  var tabs = Array.prototype.slice.call(board.querySelectorAll(".board-tabs [role=tab]"));

  function rememberTab(tab) {
    var url = new URL(window.location.href);
    url.searchParams.set("etape", tab.getAttribute("data-stage"));
    window.history.replaceState(window.history.state, "", url);
  }

  function selectTab(tab, focus) {
    var panel = document.getElementById(tab.getAttribute("aria-controls"));
    if (window.dsfr && panel) {
      window.dsfr(panel).tabPanel.disclose();
    } else {
      tabs.forEach(function (other) {
        var selected = other === tab;
        other.setAttribute("aria-selected", selected ? "true" : "false");
        other.setAttribute("tabindex", selected ? "0" : "-1");
        var otherPanel = document.getElementById(other.getAttribute("aria-controls"));
        if (otherPanel) {
          otherPanel.classList.toggle("fr-tabs__panel--selected", selected);
        }
      });
    }
    if (focus) {
      tab.focus();
    }
    rememberTab(tab);
  }

  function showPanelOf(element) {
    var panel = element.closest("[role=tabpanel]");
    var tab = panel && document.getElementById(panel.getAttribute("aria-labelledby"));
    if (tab && tab.getAttribute("aria-selected") !== "true") {
      selectTab(tab, false);
    }
  }

  board.addEventListener("click", function (event) {
    var tab = event.target.closest(".board-tabs [role=tab]");
    if (!tab) {
      return;
    }
    if (window.dsfr) {
      rememberTab(tab);
    } else {
      selectTab(tab, false);
    }
  });

  board.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest(".board-tabs [role=tab]");
    if (!tab) {
      return;
    }
    var index = tabs.indexOf(tab);
    var next = null;
    if (event.key === "ArrowRight") {
      next = tabs[(index + 1) % tabs.length];
    } else if (event.key === "ArrowLeft") {
      next = tabs[(index - 1 + tabs.length) % tabs.length];
    } else if (event.key === "Home") {
      next = tabs[0];
    } else if (event.key === "End") {
      next = tabs[tabs.length - 1];
    }
    if (!next) {
      return;
    }
    if (window.dsfr) {
      rememberTab(next); // the DSFR script moves the selection and the focus itself
    } else {
      event.preventDefault();
      selectTab(next, true);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreDrafts);
  } else {
    restoreDrafts();
  }
})();
