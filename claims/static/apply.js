/* The apply form (/apply): a part marked data-shown-for="reason reason ..." is shown only
   while one of those reasons is chosen (the heir's section for a death claim, the end date for
   the reasons judged by it). Without JavaScript every part stays visible and says whom it is
   for; the server ignores the parts of other reasons. */
(function () {
  "use strict";
  var form = document.querySelector("form[action='/apply']");
  if (!form) return;
  var radios = form.querySelectorAll("input[type=radio][name=reason]");
  var parts = form.querySelectorAll("[data-shown-for]");

  function chosen() {
    for (var i = 0; i < radios.length; i++) {
      if (radios[i].checked) return radios[i].value;
    }
    return "";
  }

  function update() {
    var reason = chosen();
    for (var i = 0; i < parts.length; i++) {
      var reasons = parts[i].getAttribute("data-shown-for").split(" ");
      parts[i].hidden = reasons.indexOf(reason) === -1;
    }
  }

  for (var i = 0; i < radios.length; i++) {
    radios[i].addEventListener("change", update);
  }
  update();
})();
