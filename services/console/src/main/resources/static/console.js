// Shows every <time datetime="UTC"> in the viewer's zone; the UTC value stays in its title.
(function () {
  function localise(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (isNaN(d.getTime())) return;
      t.textContent = d.toLocaleString();
      t.title = t.getAttribute("datetime") + " (UTC)";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localise(document); });
  document.addEventListener("htmx:afterSwap", function (e) { localise(e.target); });
  document.addEventListener("htmx:sseMessage", function (e) { localise(e.target); });
})();
