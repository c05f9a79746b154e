// The page's own confirmation dialog (never the browser's confirm()).

const dialog = document.getElementById("confirm");

export function confirmBox(message, okLabel, danger) {
  document.getElementById("confirm-text").textContent = message;
  var ok = document.getElementById("confirm-ok");
  ok.textContent = okLabel || "确定";
  ok.className = "btn " + (danger ? "danger" : "primary");
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise(function (resolve) {
    dialog.addEventListener("close", function done() {
      dialog.removeEventListener("close", done);
      resolve(dialog.returnValue === "ok");
    });
  });
}
