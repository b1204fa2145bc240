// plumb console: the only script. Asks before a destructive form is sent (forms marked
// data-confirm); everything works without it.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
