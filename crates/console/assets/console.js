// plumb console: the only script. Asks before a destructive form is sent (forms marked
// data-confirm); everything works without it.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// A definition's listing opens at its first problem line.
document.addEventListener("DOMContentLoaded", function () {
  var listing = document.querySelector("ol.listing");
  var line = listing && listing.querySelector("li.problem");
  if (line) {
    listing.scrollTop = Math.max(0, line.offsetTop - listing.offsetTop - 40);
  }
});
