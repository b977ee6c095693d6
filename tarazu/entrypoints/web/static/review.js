// Review pages: reveal blurred media on request; show the fields an action needs and what it
// will do; keyboard shortcuts (queue: j/k move, Enter opens; case: d goes to the decision form,
// Ctrl+Enter in it records the decision after a confirmation that says what it will do).
(function () {
  "use strict";
  document.querySelectorAll(".media-guard .reveal").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var fig = btn.closest(".media-guard");
      var shown = fig.classList.toggle("revealed");
      btn.textContent = shown ? "Hide" : "Reveal";
    });
  });
  // Show what the chosen action needs and what it will do ([data-when] lists the actions).
  var action = document.getElementById("action");
  function sync() {
    if (!action) { return; }
    document.querySelectorAll("[data-when]").forEach(function (el) {
      var wanted = el.getAttribute("data-when").split(" ").indexOf(action.value) >= 0;
      el.hidden = !wanted;
      el.querySelectorAll("input").forEach(function (i) { i.required = wanted; });
    });
  }
  if (action) { action.addEventListener("change", sync); sync(); }

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName));
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.queue-row"));
  var current = -1;
  function choose(i) {
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (row, j) {
      row.classList.toggle("selected", j === current);
    });
    var link = rows[current].querySelector("a.subject");
    if (link) { link.focus(); link.scrollIntoView({block: "nearest"}); }
  }
  document.addEventListener("keydown", function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || typing(e)) { return; }
    if (rows.length && (e.key === "j" || e.key === "k")) {
      e.preventDefault();
      choose(current + (e.key === "j" ? 1 : -1));
    } else if (rows.length && e.key === "Enter" && current >= 0) {
      var link = rows[current].querySelector("a.subject");
      if (link && document.activeElement !== link) { e.preventDefault(); window.location.href = link.href; }
    } else if (e.key === "d" && action) {
      e.preventDefault();
      action.scrollIntoView({block: "center"});
      action.focus();
    }
  });

  var form = document.getElementById("decision-form");
  if (form && action) {
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) { return; }
      e.preventDefault();
      if (!form.reportValidity()) { return; }
      var effect = document.getElementById("effect-" + action.value);
      var policy = document.getElementById("policy");
      var question = "Record \u201c" + action.options[action.selectedIndex].text + "\u201d" +
        (policy && policy.value ? " under " + policy.value : "") + "?\n\n" +
        (effect ? effect.innerText : "");
      if (window.confirm(question)) { form.submit(); }
    });
  }
})();
