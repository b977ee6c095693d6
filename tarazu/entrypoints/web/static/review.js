// Review pages: reveal blurred media on request; show the fields an action needs.
(function () {
  "use strict";
  document.querySelectorAll(".media-guard .reveal").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var fig = btn.closest(".media-guard");
      var shown = fig.classList.toggle("revealed");
      btn.textContent = shown ? "Hide" : "Reveal";
    });
  });
  var action = document.getElementById("action");
  function sync() {
    if (!action) { return; }
    document.querySelectorAll(".when-suspend, .when-restrict_country").forEach(function (el) {
      var wanted = el.classList.contains("when-" + action.value);
      el.hidden = !wanted;
      el.querySelectorAll("input").forEach(function (i) { i.required = wanted; });
    });
  }
  if (action) { action.addEventListener("change", sync); sync(); }
})();
