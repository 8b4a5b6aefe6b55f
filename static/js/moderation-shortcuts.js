// Moderation queue from the keyboard: j or n (next), k (previous), p (publish, or restore a
// reported one), r (reject: to the reason field). One card is current; it is outlined and
// announced. Keys typed in a field, or with Ctrl/Alt/Cmd, are left alone: a reason containing
// « p » must not publish anything. Escape leaves a field, so the shortcuts work again.
(function () {
  "use strict";
  var cards = Array.prototype.slice.call(document.querySelectorAll("[data-moderation-card]"));
  if (!cards.length) { return; }
  var status = document.getElementById("moderation-annonce");
  var current = 0;

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  function select(index, focus) {
    cards[current].classList.remove("concerto-moderation-card--current");
    current = Math.max(0, Math.min(cards.length - 1, index));
    var card = cards[current];
    card.classList.add("concerto-moderation-card--current");
    if (focus) {
      card.focus();
      card.scrollIntoView({ block: "start" });
    }
    if (status) {
      status.textContent = card.getAttribute("data-reference") + " sélectionnée (" +
        (current + 1) + " sur " + cards.length + ")";
    }
  }

  // A click or a Tab into a card makes it the current one.
  cards.forEach(function (card, index) {
    card.addEventListener("focusin", function () {
      if (index !== current) { select(index, false); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) {
      event.target.blur();
      cards[current].focus();
      return;
    }
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    var key = event.key.toLowerCase();
    var card = cards[current];
    if (key === "j" || key === "n") {
      select(current + 1, true);
    } else if (key === "k") {
      select(current - 1, true);
    } else if (key === "p") {
      var form = card.querySelector("[data-shortcut-publish] form");
      if (form) { form.requestSubmit(); }
    } else if (key === "r") {
      var reason = card.querySelector("[data-shortcut-reason]");
      if (reason) { reason.focus(); }
    } else {
      return;
    }
    event.preventDefault();
  });
  select(0, false);
}());
