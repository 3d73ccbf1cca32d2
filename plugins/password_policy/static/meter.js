/* password_policy: an advisory strength meter under new-password fields.
 *
 * Needs zxcvbn-ts-core.js, zxcvbn-ts-common.js and zxcvbn-ts-en.js loaded
 * first (they define this.zxcvbnts). Without them it does nothing.
 *
 * For each form, the first input with autocomplete="new-password" (unless
 * it has data-no-meter) gets, right after it:
 *
 *   <div class="pw-meter pw-meter--empty">
 *     <meter class="pw-meter-bar" min="0" max="4" low="2" high="3" optimum="4"
 *            value="0" aria-label="Password strength"></meter>
 *     <div class="pw-meter-text" id="pw-meter-N" aria-live="polite"></div>
 *   </div>
 *
 * While the input is empty the text is empty and the bar hidden. Otherwise
 * the wrapper has pw-meter--s0 .. pw-meter--s4 (or pw-meter--short) and the
 * text holds a <p class="pw-meter-summary"> (the score in words, then the
 * warning) and a <ul class="pw-meter-suggestions">.
 *
 * Inputs it reads: data-min-length (an integer: below it only "Too short"
 * is shown), data-password-context (a JSON array of strings: the user's
 * e-mail, name, tenant), and the current values of the form's `email` and
 * `display_name` fields. It is only advice: it never blocks a submit; the
 * server decides.
 */
(function () {
  "use strict";

  var MAX_CHECKED = 256;  // zxcvbn-ts's own maxLength: longer input is cut
  var PREFIX = 64;        // see estimate()
  var DELAY_MS = 150;
  var WORDS = ["Very weak", "Weak", "Fair", "Strong", "Very strong"];
  var FORM_FIELDS = ["email", "display_name"];

  var root = typeof globalThis !== "undefined" ? globalThis : window;
  var factory = null;
  var counter = 0;

  function libraries() {
    var z = root.zxcvbnts;
    if (!z || !z.core || typeof z.core.ZxcvbnFactory !== "function") return null;
    var common = z["language-common"], en = z["language-en"];
    if (!common || !common.dictionary || !common.adjacencyGraphs) return null;
    if (!en || !en.translations) return null;
    return {core: z.core, common: common, en: en};
  }

  // Built on first use, not at page load: the dictionaries take a moment.
  function getFactory() {
    if (factory === null) {
      var lib = libraries();
      var dictionary = {}, key;
      for (key in lib.common.dictionary) dictionary[key] = lib.common.dictionary[key];
      var enDictionary = lib.en.dictionary || {};
      for (key in enDictionary) dictionary[key] = enDictionary[key];
      factory = new lib.core.ZxcvbnFactory({
        translations: lib.en.translations,
        graphs: lib.common.adjacencyGraphs,
        dictionary: dictionary,
        maxLength: MAX_CHECKED
      });
    }
    return factory;
  }

  // A check grows about with the square of the length: a few ms for 16
  // characters, 0.1-0.3 s for 64 mixed ones, 1-3 s for 256. A prefix scores
  // no higher than the whole (so it was in every long input tried), and a
  // score of 4 comes with no warning or suggestion, so a long input whose
  // first 64 characters already score 4 needs no longer check.
  function estimate(value, inputs) {
    var zxcvbn = getFactory();
    if (value.length > PREFIX) {
      var head = zxcvbn.check(value.substring(0, PREFIX), inputs);
      if (head.score >= 4) return head;
    }
    return zxcvbn.check(value.substring(0, MAX_CHECKED), inputs);
  }

  function normalized(value) {
    return typeof value.normalize === "function" ? value.normalize("NFKC") : value;
  }

  // Code points, as the server counts them (Python's len of the NFKC form).
  function length(value) {
    var n = 0;
    for (var i = 0; i < value.length; i++) {
      var c = value.charCodeAt(i);
      if (c < 0xD800 || c > 0xDBFF || i + 1 === value.length) n++;
      else { n++; i++; }
    }
    return n;
  }

  function contextFromAttribute(input) {
    var raw = input.getAttribute("data-password-context");
    if (!raw) return [];
    try {
      var parsed = JSON.parse(raw);
      return Array.isArray(parsed) ? parsed : [];
    } catch (e) {
      return [];
    }
  }

  // The words themselves, their parts and the parts run together:
  // "ann.lee@example.com" also gives "ann.lee", "annlee", "ann", "lee" and
  // "example"; "Acme Care" gives "acmecare", "acme", "care".
  function userInputs(input, fixed) {
    var words = fixed.slice();
    var form = input.form;
    if (form) {
      for (var i = 0; i < FORM_FIELDS.length; i++) {
        var field = form.elements.namedItem(FORM_FIELDS[i]);
        if (field && typeof field.value === "string") words.push(field.value);
      }
    }
    var out = [];
    function add(word) {
      if (word.length >= 3 && out.indexOf(word) === -1) out.push(word);
    }
    for (var j = 0; j < words.length; j++) {
      if (typeof words[j] !== "string") continue;
      var word = words[j].trim().toLowerCase();
      if (!word) continue;
      add(word);
      var at = word.lastIndexOf("@");
      var name = at > 0 ? word.substring(0, at) : word;
      var parts = name.split(/[\s.,_+\-]+/);
      add(name);
      add(parts.join(""));
      for (var k = 0; k < parts.length; k++) add(parts[k]);
      if (at > 0) {
        var labels = word.substring(at + 1).split(".");
        for (var l = 0; l < labels.length - 1; l++) add(labels[l]);  // not the TLD
      }
    }
    return out;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function attach(input) {
    var minLength = parseInt(input.getAttribute("data-min-length") || "", 10);
    if (!(minLength > 0)) minLength = 0;
    var fixedContext = contextFromAttribute(input);

    counter += 1;
    var wrapper = element("div", "pw-meter pw-meter--empty");
    var bar = document.createElement("meter");
    bar.className = "pw-meter-bar";
    bar.setAttribute("min", "0");
    bar.setAttribute("max", "4");
    bar.setAttribute("low", "2");
    bar.setAttribute("high", "3");
    bar.setAttribute("optimum", "4");
    bar.setAttribute("value", "0");
    bar.setAttribute("aria-label", "Password strength");
    var text = element("div", "pw-meter-text");
    text.id = "pw-meter-" + counter;
    text.setAttribute("aria-live", "polite");
    wrapper.appendChild(bar);
    wrapper.appendChild(text);
    input.insertAdjacentElement("afterend", wrapper);

    var described = input.getAttribute("aria-describedby");
    input.setAttribute("aria-describedby", described ? described + " " + text.id : text.id);

    var timer = null;
    var shown = null;  // what the text says now, to leave it alone when unchanged

    function show(state, score, summary, warning, suggestions) {
      var key = [state, score, summary, warning].concat(suggestions).join("\n");
      if (key === shown) return;
      shown = key;
      wrapper.className = "pw-meter pw-meter--" + state;
      bar.setAttribute("value", String(score));
      if (summary) bar.setAttribute("aria-valuetext", summary);
      else bar.removeAttribute("aria-valuetext");
      while (text.firstChild) text.removeChild(text.firstChild);
      if (state === "empty") return;
      var line = element("p", "pw-meter-summary");
      line.appendChild(element("span", "pw-meter-sr", "Password strength: "));
      line.appendChild(element("strong", "pw-meter-score", summary));
      if (warning) {
        line.appendChild(document.createTextNode(/\.$/.test(summary) ? " " : ". "));
        line.appendChild(element("span", "pw-meter-warning", warning));
      }
      text.appendChild(line);
      if (suggestions.length) {
        var list = element("ul", "pw-meter-suggestions");
        for (var i = 0; i < suggestions.length; i++) {
          list.appendChild(element("li", "", suggestions[i]));
        }
        text.appendChild(list);
      }
    }

    function update() {
      timer = null;
      try {
        var value = input.value || "";
        if (!value) {
          show("empty", 0, "", "", []);
          return;
        }
        if (minLength && length(normalized(value)) < minLength) {
          show("short", 0, "Too short: at least " + minLength + " characters.", "", []);
          return;
        }
        var result = estimate(value, userInputs(input, fixedContext));
        var score = Math.max(0, Math.min(4, result.score | 0));
        var feedback = result.feedback || {};
        var suggestions = [];
        for (var i = 0; feedback.suggestions && i < feedback.suggestions.length; i++) {
          if (typeof feedback.suggestions[i] === "string") suggestions.push(feedback.suggestions[i]);
        }
        show("s" + score, score, WORDS[score],
             typeof feedback.warning === "string" ? feedback.warning : "", suggestions);
      } catch (e) {
        // Advice only: on any failure leave the field as it was.
        show("empty", 0, "", "", []);
      }
    }

    function later() {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(update, DELAY_MS);
    }

    input.addEventListener("input", later);
    input.addEventListener("change", later);
    if (input.value) later();  // e.g. filled in by the browser before this ran
  }

  function start() {
    try {
      if (!libraries()) return;
      var inputs = document.querySelectorAll('input[autocomplete~="new-password"]');
      var seen = [];
      for (var i = 0; i < inputs.length; i++) {
        var input = inputs[i];
        var form = input.form || null;
        if (seen.indexOf(form) !== -1) continue;  // only the first one per form
        seen.push(form);
        if (input.hasAttribute("data-no-meter")) continue;
        attach(input);
      }
    } catch (e) {
      // Never break the page: the meter is only advice.
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
