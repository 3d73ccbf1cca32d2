/* The wait after a refused login (429 or 503 with Retry-After), counted down; no inline script (CSP).
 *
 * The server writes the refusal with the seconds as data:
 *
 *   <div class="flash error" role="alert" data-retry-after="16" data-retry-form="login-form">
 *     Too many login attempts. Please try again in <span class="countdown">16</span> seconds.</div>
 *
 * This script counts the number down once a second by the browser's clock
 * (a throttled background tab catches up when it wakes), and keeps the submit
 * buttons of the form named in data-retry-form disabled meanwhile. At 0 it
 * enables them again and the message becomes "You can try again now.".
 * Without the script the page still says how long to wait.
 *
 * Screen readers: the alert is read as the page loads; the ticks are not
 * announced (aria-live="off" while counting), the end is, politely.
 */
(function () {
  "use strict";

  var DONE = "You can try again now.";

  function submitButtons(form) {
    if (!form) {
      return [];
    }
    return Array.prototype.slice.call(
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"));
  }

  function countDown(notice) {
    var seconds = parseInt(notice.getAttribute("data-retry-after"), 10);
    var number = notice.querySelector(".countdown");
    if (!(seconds > 0) || !number) {
      return;
    }
    // " seconds." after the number: "second" at 1.
    var unit = number.nextSibling && number.nextSibling.nodeType === 3 ? number.nextSibling : null;
    var buttons = submitButtons(document.getElementById(notice.getAttribute("data-retry-form")));
    var endsAt = Date.now() + seconds * 1000;

    function setDisabled(disabled) {
      buttons.forEach(function (button) {
        button.disabled = disabled;
      });
    }

    function finish() {
      notice.setAttribute("aria-live", "polite");
      notice.textContent = DONE;
      notice.classList.remove("error");
      notice.classList.add("info");
      setDisabled(false);
    }

    function tick() {
      var left = endsAt - Date.now();
      if (left <= 0) {
        finish();
        return;
      }
      var shown = Math.ceil(left / 1000);
      number.textContent = String(shown);
      if (unit) {
        unit.data = unit.data.replace(/seconds?/, shown === 1 ? "second" : "seconds");
      }
      // Again just after the number changes (the next whole second before the end).
      setTimeout(tick, (left % 1000 || 1000) + 20);
    }

    notice.setAttribute("aria-live", "off");
    setDisabled(true);
    tick();
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-retry-after]"), countDown);
}());
