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
})();
