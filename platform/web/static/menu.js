// The menu's groups are <details> elements: they open and close with the mouse and the keyboard
// (Enter, Space) without this file. It only makes them behave as menus: one open at a time,
// Escape closes the open one (focus back on its title), a click elsewhere closes it.
(function () {
  "use strict";
  function menus() {
    return Array.prototype.slice.call(document.querySelectorAll(".topbar details.menu"));
  }
  function closeAll(except) {
    menus().forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    menus().forEach(function (menu) {
      menu.addEventListener("toggle", function () {
        if (menu.open) closeAll(menu);
      });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector(".topbar details.menu[open]");
    if (!open) return;
    open.removeAttribute("open");
    open.querySelector("summary").focus();
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest(".topbar details.menu")) closeAll(null);
  });
})();
