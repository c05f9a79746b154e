// The notice's print button. A script file rather than onclick="…": the Content-Security-Policy
// (knowledge/api/headers.py) allows no inline script on any page.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("print-notice");
  if (button) button.addEventListener("click", function () { window.print(); });
});
