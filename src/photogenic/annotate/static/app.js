// Keyboard input for the annotation pages; everything else is plain HTML forms.
(function () {
  "use strict";
  var started = Date.now();
  var busy = false;

  // An invitation link carries the token in the URL fragment (never sent to the server).
  var login = document.getElementById("login");
  if (login && location.hash.indexOf("#token=") === 0) {
    login.elements.token.value = decodeURIComponent(location.hash.slice(7));
    history.replaceState(null, "", location.pathname);
    login.submit();
    return;
  }

  var form = document.getElementById("answer");
  var undo = document.getElementById("undo");
  var principles = form ? Array.prototype.slice.call(form.querySelectorAll(".principle")) : [];
  var active = 0;

  function highlight() {
    principles.forEach(function (p, i) { p.classList.toggle("active", i === active); });
  }

  function typing(target) {
    return target && (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type === "text"));
  }

  function send(target, button) {
    if (busy) { return; }
    if (target === form && !form.checkValidity()) { form.reportValidity(); return; }
    busy = true;
    if (target === form) { form.elements.elapsed_ms.value = String(Date.now() - started); }
    if (button) { target.requestSubmit(button); } else { target.requestSubmit(); }
  }

  function rate(digit) {
    if (!principles.length) { return false; }
    var input = principles[active].querySelector('input[value="' + digit + '"]');
    if (!input) { return false; }
    input.checked = true;
    active = Math.min(active + 1, principles.length - 1);
    highlight();
    return true;
  }

  principles.forEach(function (p, i) {
    p.addEventListener("change", function () { active = Math.min(i + 1, principles.length - 1); highlight(); });
  });
  highlight();

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if ((key === "u" || key === "Backspace") && undo && !undo.querySelector("button").disabled) {
      event.preventDefault();
      send(undo, null);
      return;
    }
    if (!form) { return; }
    if (key === "e" && form.elements.caption) {
      event.preventDefault();
      form.elements.caption.focus();
      return;
    }
    if (principles.length && /^[1-5]$/.test(key) && rate(key)) {
      event.preventDefault();
      return;
    }
    var buttons = form.querySelectorAll("button[data-keys]");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute("data-keys").split(" ").indexOf(key) >= 0) {
        event.preventDefault();
        send(form, buttons[i]);
        return;
      }
    }
  });
})();
