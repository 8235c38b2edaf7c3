/*
 * The workshop board (templates/board/): what htmx does not do by itself.
 *
 * - Answers 409 (someone saved first) and 422 (bad input) carry a form to show: swap them.
 * - After each swap, the server says (HX-Trigger-After-Settle: board:settled) what to
 *   announce in the live region and which element to focus.
 * - A cell, row table or list redrawn around an open edit form keeps that form, with what
 *   was typed in it (and what was typed in the "add" fields).
 * - A save refused because the session expired (401), the security token changed (403) or
 *   the connection dropped keeps the typed text in sessionStorage, keyed by the page and the
 *   field, says that nothing was saved, and puts the text back after logging in again.
 * - Enter saves an edit (Shift+Enter: new line), Escape cancels it (and closes the
 *   confirmation panels, giving the focus back to the button that opened them).
 * - The stage tabs (WAI-ARIA tabs: the arrows, Home and End move the focus with the
 *   selection); skip links to each stage's table and past it.
 * - Roving tab stops: the actions of the statements of a cell, of a row, of a RETEX sheet are
 *   one tab stop each; the arrows move between them (toolbars).
 * - Working together live: every few seconds the page asks what changed
 *   (etatsgeneraux/board/live.py) and merges others' changes into the tables without
 *   touching the field being typed in, the forms open or the confirmations.
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

  // The id of the element that had the focus when the last change was sent. htmx gives the
  // focus back to the element of the same id after a swap (« Ajouter une ligne » redraws the
  // table, button included): the user has not moved on, and the focus the server asks for
  // (the new row's first field) is where they go next.
  var focusAtRequest = null;

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (isLive(event.detail.elt)) {
      return;
    }
    var active = document.activeElement;
    focusAtRequest = active && active.id ? active.id : null;
  });

  function focusIsWhereRequested() {
    var active = document.activeElement;
    return Boolean(focusAtRequest && active && active.id === focusAtRequest);
  }

  document.body.addEventListener("board:settled", function (event) {
    var detail = event.detail || {};
    if (detail.focus && (focusWasLost() || focusIsWhereRequested())) {
      focusFirst(detail.focus);
    }
    focusAtRequest = null;
    announce(detail.announce);
  });

  // Keeping open forms across redraws -------------------------------------------------------

  var kept = null;

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var source = event.detail.requestConfig ? event.detail.requestConfig.elt : null;
    if (isLive(source)) {
      return; // merged by applyLive, never swapped
    }
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
    if (isLive(event.detail.elt)) {
      return; // the live updates say it themselves (liveFailed)
    }
    var xhr = event.detail.xhr;
    refused(event, xhr.status, xhr.getResponseHeader("X-Board-Error"));
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (isLive(event.detail.elt)) {
      return;
    }
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
    if (!field.matches) {
      return;
    }
    if (!field.matches("textarea[data-board-submit-on-enter]")) {
      if (event.key === "Escape" && !event.isComposing) {
        // A form that can be cancelled (an edit, the « Relier » form...), else a confirmation.
        if (!cancel(field.closest("form"), event)) {
          closeConfirmation(field, event);
        }
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

  /** Clicks the form's « Annuler » button (the server gives the focus back); false if none. */
  function cancel(form, event) {
    var button = form && form.querySelector("[data-board-cancel]");
    if (!button) {
      return false;
    }
    event.preventDefault();
    button.click();
    return true;
  }

  /** Escape in an open confirmation panel, or on the button that opened it: closes it and
   * gives the focus back to that button. */
  function closeConfirmation(element, event) {
    var panel = element.closest(".board-confirm");
    if (!panel && element.getAttribute("aria-expanded") === "true") {
      panel = document.getElementById(element.getAttribute("aria-controls"));
    }
    if (!panel || panel.hidden) {
      return;
    }
    event.preventDefault();
    togglePanel(panel.id);
  }

  // Confirmation panels and dismissable notices --------------------------------------------

  function togglePanel(id) {
    var panel = document.getElementById(id);
    var opener = board.querySelector('[aria-controls="' + CSS.escape(id) + '"]');
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
  }

  board.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-board-toggle]");
    if (toggle) {
      togglePanel(toggle.getAttribute("data-board-toggle") || toggle.getAttribute("aria-controls"));
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

  // The DSFR picks the tab shown at load a few frames after it, and would undo a choice made
  // before: until then (its group's index is -1), a choice waits for it, one frame at a time.
  function dsfrIsChoosingTheFirstTab() {
    var group = window.dsfr && board.querySelector(".fr-tabs");
    var instance = group && window.dsfr(group);
    return Boolean(instance && instance.tabsGroup && instance.tabsGroup.index === -1);
  }

  function selectTab(tab, focus, frames) {
    frames = frames || 0;
    if (frames < 120 && dsfrIsChoosingTheFirstTab()) {
      if (focus) {
        tab.focus();
      }
      window.requestAnimationFrame(function () {
        selectTab(tab, focus, frames + 1);
      });
      return;
    }
    var panel = document.getElementById(tab.getAttribute("aria-controls"));
    var instance = window.dsfr && panel ? window.dsfr(panel) : null;
    if (instance && instance.tabPanel) {
      instance.tabPanel.disclose();
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

  // Listened to while capturing, before the DSFR's own handler on the list, which moves the
  // selection but leaves the focus behind: this one does both, and stops there.
  board.addEventListener(
    "keydown",
    function (event) {
      var tab = event.target.closest && event.target.closest(".board-tabs [role=tab]");
      if (!tab || event.altKey || event.ctrlKey || event.metaKey) {
        return;
      }
      if (event.key === "Tab" && !event.shiftKey) {
        // Into the panel of the tab, even while the DSFR still slides the previous one out.
        var panel = document.getElementById(tab.getAttribute("aria-controls"));
        if (panel && panel.getAttribute("tabindex") === "0") {
          event.preventDefault();
          panel.focus();
        }
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
      event.preventDefault();
      event.stopPropagation();
      selectTab(next, true);
    },
    true
  );

  // Skip links: to a stage's table (its tab selected first), past a table.

  board.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-board-skip]");
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    showPanelOf(target);
    if (!target.matches("a, button, input, select, textarea, [tabindex]")) {
      target.setAttribute("tabindex", "-1");
    }
    focusWhenShown(target, 60);
  });

  /** Focuses an element of a panel the DSFR script may still be sliding in (hidden until
   * then): tries again at each frame, a second at most. */
  function focusWhenShown(element, frames) {
    element.focus();
    if (document.activeElement !== element && frames > 0) {
      window.requestAnimationFrame(function () {
        focusWhenShown(element, frames - 1);
      });
    }
  }

  // Roving tab stops ----------------------------------------------------------------------
  //
  // A group ([data-board-roving]: the statements of a cell, the actions of a row or of a
  // RETEX sheet) is one tab stop: the last action reached in it. Left and Right move between
  // the actions of a toolbar, Home and End to its first and last; Up and Down to the same
  // action of the statement above or below.

  var ROVING_ITEM = "[role=toolbar] button";

  // Hidden by its own style (« Monter » on the first statement), not by a panel not shown.
  function isShown(element) {
    return !element.disabled && window.getComputedStyle(element).display !== "none";
  }

  function rovingItems(container) {
    return Array.prototype.filter.call(container.querySelectorAll(ROVING_ITEM), isShown);
  }

  function makeTabStop(group, item) {
    group.querySelectorAll(ROVING_ITEM).forEach(function (other) {
      other.setAttribute("tabindex", other === item ? "0" : "-1");
    });
  }

  /** Each group keeps exactly one tab stop, shown (after a redraw, the first action). */
  function normalizeRoving(root) {
    var groups = Array.prototype.slice.call((root || board).querySelectorAll("[data-board-roving]"));
    if (root && root.matches && root.matches("[data-board-roving]")) {
      groups.push(root);
    }
    groups.forEach(function (group) {
      var items = group.querySelectorAll(ROVING_ITEM);
      if (!items.length) {
        return;
      }
      var current = Array.prototype.filter.call(items, function (item) {
        return item.getAttribute("tabindex") === "0" && isShown(item);
      })[0];
      var active = document.activeElement;
      if (active && group.contains(active) && active.matches(ROVING_ITEM)) {
        current = active;
      }
      makeTabStop(group, current || rovingItems(group)[0] || items[0]);
    });
  }

  function actionOf(item) {
    return (item.id || "").replace(/^.*-/, "");
  }

  board.addEventListener("focusin", function (event) {
    var item = event.target.closest && event.target.closest(ROVING_ITEM);
    var group = item && item.closest("[data-board-roving]");
    if (group) {
      makeTabStop(group, item);
    }
  });

  board.addEventListener("keydown", function (event) {
    var item = event.target.closest && event.target.closest(ROVING_ITEM);
    var group = item && item.closest("[data-board-roving]");
    if (!group || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    var toolbar = item.closest("[role=toolbar]");
    var items = rovingItems(toolbar);
    var index = items.indexOf(item);
    var next = null;
    if (event.key === "ArrowRight") {
      next = items[(index + 1) % items.length];
    } else if (event.key === "ArrowLeft") {
      next = items[(index - 1 + items.length) % items.length];
    } else if (event.key === "Home") {
      next = items[0];
    } else if (event.key === "End") {
      next = items[items.length - 1];
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var toolbars = Array.prototype.filter.call(
        group.querySelectorAll("[role=toolbar]"),
        function (other) {
          return rovingItems(other).length > 0;
        }
      );
      if (toolbars.length < 2) {
        return; // a row's or a sheet's actions: Up and Down scroll the page
      }
      var other = toolbars[toolbars.indexOf(toolbar) + (event.key === "ArrowDown" ? 1 : -1)];
      if (other) {
        var candidates = rovingItems(other);
        next =
          candidates.filter(function (candidate) {
            return actionOf(candidate) === actionOf(item);
          })[0] || candidates[Math.min(index, candidates.length - 1)];
      } else {
        event.preventDefault(); // at the first or last statement: the page does not scroll
      }
    }
    if (!next) {
      return;
    }
    event.preventDefault();
    makeTabStop(group, next);
    next.focus();
  });

  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (!isLive(event.detail.elt)) {
      normalizeRoving();
    }
  });

  // Working together live -------------------------------------------------------------------
  //
  // #board-live polls (hx-trigger="every 2s", hx-swap="none") the changes of the board with
  // the tokens of what the page knows. 204: nothing changed. 200: the presence list, and the
  // sheets and tables when the board changed, merged here into the page (`morph`): the
  // elements keep their identity (same id, same node), so the field being typed in keeps its
  // focus, its text and its caret; open forms (.board-editing), confirmations, undo notices
  // and alerts stay; a removed element that holds the focus stays until the focus leaves it.

  var live = document.getElementById("board-live");
  var liveState = {
    ticks: 0,
    writes: 0,
    pendingWrites: 0,
    failures: 0,
    stopped: false,
    lastNews: 0,
    lastAsked: 0,
  };
  var liveStatus = document.getElementById("board-live-status");

  function isLive(element) {
    return Boolean(live && element === live);
  }

  function parseVersion(token) {
    var parts = String(token || "").split(".");
    return parts.length === 2 ? { section: parts[0], version: Number(parts[1]) } : null;
  }

  function setLiveStatus(message) {
    if (liveStatus && liveStatus.textContent !== message) {
      liveStatus.textContent = message;
    }
  }

  if (live) {
    live.addEventListener("htmx:beforeRequest", function (event) {
      if (event.detail.elt !== live) {
        return;
      }
      liveState.ticks += 1;
      var every = Number(live.getAttribute("data-hidden-every")) || 5;
      if (liveState.stopped || (document.hidden && liveState.ticks % every !== 0)) {
        event.preventDefault(); // a hidden tab asks less often
        return;
      }
      // Back on the tab, the page asks at once: the regular tick that may follow it within
      // the second would ask the same thing again.
      var now = Date.now();
      if (now - liveState.lastAsked < 1000) {
        event.preventDefault();
        return;
      }
      liveState.lastAsked = now;
    });

    live.addEventListener("htmx:configRequest", function (event) {
      if (event.detail.elt !== live) {
        return;
      }
      event.detail.parameters.version = live.getAttribute("data-version") || "";
      event.detail.parameters.presence = live.getAttribute("data-presence") || "";
      liveState.writesAtRequest = liveState.writes;
    });

    live.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== live) {
        return;
      }
      var xhr = event.detail.xhr;
      var status = xhr ? xhr.status : 0;
      if (status === 200 || status === 204) {
        liveState.failures = 0;
        setLiveStatus("");
        if (status === 200) {
          applyLive(xhr);
        }
        return;
      }
      liveFailed(status);
    });
  }

  // Our own changes: their answer carries the new marker. Only ours since the last one known
  // (the marker moved by one): the page is up to date, there is nothing to fetch.
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (live && !isLive(event.detail.elt) && event.detail.requestConfig &&
        event.detail.requestConfig.verb !== "get") {
      liveState.pendingWrites += 1;
    }
  });

  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (!live || isLive(event.detail.elt)) {
      return;
    }
    if (event.detail.requestConfig && event.detail.requestConfig.verb !== "get") {
      liveState.pendingWrites = Math.max(0, liveState.pendingWrites - 1);
      liveState.writes += 1;
    }
    var xhr = event.detail.xhr;
    var mine = parseVersion(xhr && xhr.getResponseHeader("X-Board-Version"));
    var known = parseVersion(live.getAttribute("data-version"));
    if (mine && known && mine.section === known.section && mine.version === known.version + 1) {
      live.setAttribute("data-version", mine.section + "." + mine.version);
    }
  });

  function liveFailed(status) {
    liveState.failures += 1;
    if (status === 401 || status === 403 || status === 404) {
      liveState.stopped = true;
      setLiveStatus(
        status === 401
          ? "Mises à jour en direct arrêtées\u00a0: votre session a expiré. Reconnectez-vous pour voir les modifications des autres."
          : "Mises à jour en direct arrêtées\u00a0: ce tableau n’est plus accessible. Rechargez la page."
      );
    } else if (liveState.failures >= 3) {
      setLiveStatus(
        "Mises à jour en direct interrompues (connexion perdue)\u00a0: nouvel essai toutes les quelques secondes."
      );
    }
  }

  function applyLive(xhr) {
    var version = xhr.getResponseHeader("X-Board-Version");
    var presence = xhr.getResponseHeader("X-Board-Presence");
    var template = document.createElement("template");
    template.innerHTML = xhr.responseText;
    // Drawn before a change of ours was answered: merging it would undo ours for a moment.
    // The next poll brings both.
    var stale = liveState.writes !== liveState.writesAtRequest || liveState.pendingWrites > 0;
    var withBoard = false;
    var changed = [];
    Array.prototype.forEach.call(template.content.children, function (fresh) {
      var current = fresh.id && document.getElementById(fresh.id);
      if (!current) {
        return;
      }
      if (fresh.id === "board-presence") {
        morph(current, fresh);
        return;
      }
      withBoard = true;
      if (stale) {
        return;
      }
      var here = morph(current, fresh);
      if (window.htmx) {
        htmx.process(current);
      }
      normalizeRoving(current);
      changed = changed.concat(here);
    });
    if (presence !== null) {
      live.setAttribute("data-presence", presence);
    }
    if (version && !(withBoard && stale)) {
      live.setAttribute("data-version", version);
    }
    highlight(changed);
    if (changed.length && Date.now() - liveState.lastNews > 10000) {
      liveState.lastNews = Date.now();
      announce("Tableau mis à jour avec les modifications d’autres participants.");
    }
  }

  function highlight(elements) {
    elements.forEach(function (element) {
      element.classList.add("board-live-changed");
      window.setTimeout(function () {
        element.classList.remove("board-live-changed");
      }, 4000);
    });
  }

  // The morph -------------------------------------------------------------------------------

  /** Attributes the page sets itself, which a redraw from the server must not undo. */
  function ownedByPage(element, name) {
    if (/^data-fr-|^data-hx-|^data-board-live/.test(name)) {
      return true;
    }
    if (name === "tabindex") {
      return Boolean(element.closest("[data-board-roving]") || element.matches(".board-heading"));
    }
    if (name === "hidden") {
      return element.classList.contains("board-confirm");
    }
    if (name === "aria-expanded") {
      return element.hasAttribute("data-board-toggle");
    }
    return false;
  }

  var PAGE_CLASSES = /^(htmx-|board-live-|board-restored$|board-stale$)/;

  function syncAttributes(current, fresh) {
    Array.prototype.slice.call(current.attributes).forEach(function (attribute) {
      if (!fresh.hasAttribute(attribute.name) && !ownedByPage(current, attribute.name)) {
        current.removeAttribute(attribute.name);
      }
    });
    Array.prototype.forEach.call(fresh.attributes, function (attribute) {
      var name = attribute.name;
      if (name === "class") {
        var kept = Array.prototype.filter.call(current.classList, function (name) {
          return PAGE_CLASSES.test(name);
        });
        var value = [attribute.value].concat(kept).join(" ").trim();
        if (current.getAttribute("class") !== value) {
          current.setAttribute("class", value);
        }
      } else if (!ownedByPage(current, name) && current.getAttribute(name) !== attribute.value) {
        current.setAttribute(name, attribute.value);
      }
    });
  }

  /** Elements the page keeps when the server's version lacks them. */
  function keptByPage(node) {
    if (node.nodeType !== Node.ELEMENT_NODE) {
      return false;
    }
    if (node.matches(".board-editing, .board-undo, .board-alert, .board-stale")) {
      return true;
    }
    var active = document.activeElement;
    if (active && active !== document.body && node.contains(active)) {
      node.classList.add("board-stale"); // gone for the others: removed once left
      return true;
    }
    return false;
  }

  function isTyping(node) {
    return node === document.activeElement && node.matches("input, textarea, select");
  }

  /** Makes `current` look like `fresh`, keeping its nodes; returns the elements that
   * changed (new statements, rows, sheets, or those whose text changed). */
  function morph(current, fresh, changed) {
    changed = changed || [];
    if (current.nodeType === Node.TEXT_NODE || current.nodeType === Node.COMMENT_NODE) {
      if (current.nodeValue !== fresh.nodeValue) {
        current.nodeValue = fresh.nodeValue;
        noteChange(current.parentNode, changed);
      }
      return changed;
    }
    if (current.classList.contains("board-editing") || isTyping(current)) {
      return changed; // what someone is writing
    }
    syncAttributes(current, fresh);
    if (current.tagName === "SELECT") {
      morphChildren(current, fresh, changed);
      var chosen = fresh.querySelector("option[selected]");
      current.value = chosen ? chosen.value : "";
      return changed;
    }
    if (current.tagName === "TEXTAREA") {
      if (current.defaultValue !== fresh.defaultValue) {
        current.defaultValue = fresh.defaultValue;
      }
      return changed;
    }
    morphChildren(current, fresh, changed);
    return changed;
  }

  function sameKind(a, b) {
    return a.nodeType === b.nodeType && a.nodeName === b.nodeName;
  }

  function morphChildren(current, fresh, changed) {
    var olds = Array.prototype.slice.call(current.childNodes);
    var byId = {};
    olds.forEach(function (node) {
      if (node.nodeType === Node.ELEMENT_NODE && node.id) {
        byId[node.id] = node;
      }
    });
    var unkeyed = olds.filter(function (node) {
      return !(node.nodeType === Node.ELEMENT_NODE && node.id);
    });
    var used = new Set();
    var wanted = [];
    Array.prototype.forEach.call(fresh.childNodes, function (node) {
      var match = null;
      if (node.nodeType === Node.ELEMENT_NODE && node.id) {
        match = byId[node.id];
        if (match && !sameKind(match, node) && !match.classList.contains("board-editing")) {
          match = null; // another element under that id: the server's replaces it
        }
      } else {
        // The next one of the same kind; those skipped go, unless the page keeps them.
        for (var k = 0; k < unkeyed.length && !match; k++) {
          if (sameKind(unkeyed[k], node)) {
            match = unkeyed[k];
            unkeyed = unkeyed.slice(k + 1);
          }
        }
      }
      if (match && !used.has(match)) {
        used.add(match);
        morph(match, node, changed);
        wanted.push(match);
      } else {
        var adopted = document.importNode(node, true);
        wanted.push(adopted);
        changed.push({ added: adopted });
      }
    });
    // What the page keeps though the server's version lacks it: after the node before it.
    olds.forEach(function (node, index) {
      if (used.has(node) || !keptByPage(node)) {
        return;
      }
      var before = null;
      for (var i = index - 1; i >= 0 && !before; i--) {
        if (wanted.indexOf(olds[i]) >= 0) {
          before = olds[i];
        }
      }
      wanted.splice(before ? wanted.indexOf(before) + 1 : 0, 0, node);
    });
    olds.forEach(function (node) {
      if (wanted.indexOf(node) < 0) {
        node.remove();
      }
    });
    place(current, wanted);
    // New elements are in the page now: find what to highlight.
    for (var i = changed.length - 1; i >= 0; i--) {
      if (changed[i] && changed[i].added) {
        var added = changed[i].added;
        changed.splice(i, 1);
        noteChange(added.nodeType === Node.ELEMENT_NODE ? added : added.parentNode, changed);
      }
    }
  }

  /** Puts `nodes` in this order in `parent`, without moving the one that holds the focus
   * (moving it would take the focus away): the others move around it. */
  function place(parent, nodes) {
    var active = document.activeElement;
    var pinned = nodes.filter(function (node) {
      return node.parentNode === parent && active && node.contains(active);
    })[0];
    var at = pinned ? nodes.indexOf(pinned) : -1;
    var j;
    for (j = at - 1; j >= 0; j--) {
      var follower = nodes[j + 1];
      if (nodes[j].nextSibling !== follower) {
        parent.insertBefore(nodes[j], follower);
      }
    }
    for (j = at + 1; j < nodes.length; j++) {
      var reference = j === 0 ? parent.firstChild : nodes[j - 1].nextSibling;
      if (reference !== nodes[j]) {
        parent.insertBefore(nodes[j], reference);
      }
    }
  }

  function noteChange(node, changed) {
    var element = node && node.nodeType === Node.ELEMENT_NODE ? node : node && node.parentElement;
    var item = element && element.closest("li.board-statement, tr, .board-sheet, #board-presence");
    if (item && item.id !== "board-presence" && changed.indexOf(item) < 0) {
      changed.push(item);
    }
  }

  // A removed element kept while it held the focus goes once the focus has left it.
  board.addEventListener("focusout", function () {
    window.setTimeout(function () {
      board.querySelectorAll(".board-stale").forEach(function (node) {
        if (!node.contains(document.activeElement) && !node.classList.contains("board-editing")) {
          node.remove();
        }
      });
    }, 0);
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && live && !liveState.stopped && window.htmx) {
      htmx.trigger(live, "board:poll"); // back on the tab: ask at once
    }
  });

  normalizeRoving();

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreDrafts);
  } else {
    restoreDrafts();
  }
})();
