/* Uploads with a progress bar per file: each upload form is sent to the API endpoint
   (PUT /api/v1/claims/{id}/documents/{doc_type}, the claim cookie rides along) instead of the
   plain multipart post, which keeps working when this script does not run. */
(function () {
  "use strict";

  function setError(form, input, message) {
    var error = form.querySelector(".field-error");
    if (message) {
      error.textContent = message;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      form.querySelector(".field").classList.add("has-error");
    } else {
      error.textContent = "";
      error.hidden = true;
      input.removeAttribute("aria-invalid");
      form.querySelector(".field").classList.remove("has-error");
    }
  }

  function progressRows(form, files) {
    var list = form.querySelector(".progress-list");
    list.textContent = "";
    var bars = [];
    for (var i = 0; i < files.length; i++) {
      var row = document.createElement("li");
      var id = form.id + "-progress-" + i;
      var name = document.createElement("label");
      name.setAttribute("for", id);
      name.textContent = files[i].name;
      var bar = document.createElement("progress");
      bar.id = id;
      bar.max = 100;
      bar.value = 0;
      row.appendChild(name);
      row.appendChild(bar);
      list.appendChild(row);
      bars.push(bar);
    }
    list.hidden = false;
    return bars;
  }

  function showProgress(bars, files, loaded, total) {
    // The files travel in order in one body: spread the bytes sent over them.
    var sizes = 0;
    for (var i = 0; i < files.length; i++) { sizes += files[i].size; }
    var sent = sizes * (total ? loaded / total : 0);
    for (var j = 0; j < files.length; j++) {
      var part = files[j].size ? Math.min(1, Math.max(0, sent / files[j].size)) : 1;
      bars[j].value = Math.round(part * 100);
      sent -= files[j].size;
    }
  }

  function upload(form, event) {
    var input = form.querySelector("input[type=file]");
    if (!input.files || input.files.length === 0) {
      return; // let the browser and server say what is missing
    }
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    var bars = progressRows(form, files);
    var result = form.querySelector(".upload-result");
    var button = form.querySelector("button[type=submit]");
    result.textContent = "";
    setError(form, input, "");
    button.disabled = true;
    var body = new FormData();
    files.forEach(function (file) { body.append("files", file, file.name); });
    var request = new XMLHttpRequest();
    request.open("PUT", form.getAttribute("data-api"));
    request.setRequestHeader("Accept", "application/json");
    // The API takes the page's cookie only with the session's CSRF token (claims.http.csrf).
    request.setRequestHeader("X-CSRF-Token", form.getAttribute("data-csrf"));
    request.setRequestHeader("Accept-Language", document.documentElement.lang || "id");
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { showProgress(bars, files, e.loaded, e.total); }
    });
    request.addEventListener("load", function () {
      button.disabled = false;
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = null; }
      if (request.status === 200 && answer) {
        bars.forEach(function (bar) { bar.value = 100; });
        result.textContent = form.getAttribute("data-done").replace("{n}", answer.pages);
        var item = form.closest(".doc");
        item.className = "doc doc-uploaded";
        item.querySelector("[data-role=status]").textContent = form.getAttribute("data-uploaded-label");
        item.querySelector("[data-role=pages]").textContent = " · " + result.textContent.replace(/^[^:]*:\s*/, "").replace(/\.$/, "");
        var sentBack = item.querySelector(".sent-back");
        if (sentBack) { sentBack.remove(); }
        input.value = "";
      } else {
        var message = answer && answer.detail ? answer.detail : request.statusText;
        if (answer && typeof answer.file_index === "number") {
          message = files[answer.file_index].name + ": " + message;
        }
        setError(form, input, message);
        input.focus();
      }
    });
    request.addEventListener("error", function () {
      button.disabled = false;
      setError(form, input, form.getAttribute("data-network-error") || "Network error");
    });
    request.send(body);
  }

  var forms = document.querySelectorAll("form.upload-form");
  for (var i = 0; i < forms.length; i++) {
    (function (form, index) {
      form.id = form.id || "upload-" + index;
      form.addEventListener("submit", function (event) { upload(form, event); });
    })(forms[i], i);
  }
})();
