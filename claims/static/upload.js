/* Uploads made for poor connections, on top of the plain multipart form (which keeps working
   when this script does not run). For each `form.upload-form`:
   - the files are checked on the phone as soon as they are picked (type, size, how many):
     a file the server would refuse is refused here, next to the field, before any byte is sent;
   - photos (JPEG, PNG) above 1.5 MB are reduced on the phone: decoded with their EXIF
     orientation, drawn on a canvas whose long side is at most 3000 px, exported as JPEG with
     a decreasing quality until at most 1.5 MB;
   - they are sent at once (upload on selection) to the API endpoint (PUT data-api, the claim
     cookie rides along with the page's CSRF token), with a progress bar per file;
   - a send that makes no progress for 60 s is cut; a failed send is tried again twice with a
     growing pause, then the bars turn red with a message and a "try again" button;
   - leaving the page while picked files are not sent asks first (beforeunload);
   - after a send the document's stored-files list (templates/_document_files.html) is
     filled in again from GET data-api + "/files".
   Optional data-* attributes of the form override the defaults below: data-max-file-bytes,
   data-max-files, data-photo-target-bytes, data-photo-max-side, data-stall-ms, data-retries,
   data-retry-delay-ms, and data-msg-<key> for any of the words (which come from the page's
   #upload-words block, templates/_upload_words.html, when it has one). */
(function () {
  "use strict";

  var MB = 1000000;
  // The server's limits (documents/limits.py UploadLimits; tests/browser check they agree).
  var DEFAULTS = {
    maxFileBytes: 10 * MB,
    maxFiles: 10,
    photoTargetBytes: 1.5 * MB,
    photoMaxSide: 3000,
    stallMs: 60000,
    retries: 2,
    retryDelayMs: 3000
  };
  var TYPES = { "application/pdf": "pdf", "image/jpeg": "photo", "image/png": "photo" };
  var EXTENSIONS = { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png" };
  var QUALITIES = [0.85, 0.75, 0.65, 0.55, 0.45, 0.35];
  // The same words as the catalogues' upload_* (claims/locales; tests/browser check they agree).
  var WORDS = {
    id: {
      too_big: "{name}: {size} MB, lebih dari batas {max} MB per berkas. Pilih berkas yang lebih kecil.",
      wrong_type: "{name}: hanya berkas PDF, JPG atau PNG yang diterima.",
      too_many: "Pilih paling banyak {max} berkas untuk satu dokumen.",
      empty: "{name}: berkas kosong.",
      preparing: "Menyiapkan foto…",
      sending: "Mengirim…",
      retrying: "Koneksi terputus. Mencoba lagi dalam {s} detik ({n} dari {m})…",
      failed: "Pengiriman gagal: koneksi terputus atau terlalu lambat. Berkas belum tersimpan.",
      refused: "Berkas tidak tersimpan.",
      retry: "Coba kirim lagi",
      failed_label: "gagal"
    },
    en: {
      too_big: "{name}: {size} MB, over the limit of {max} MB per file. Choose a smaller file.",
      wrong_type: "{name}: only PDF, JPG or PNG files are accepted.",
      too_many: "Choose at most {max} files for one document.",
      empty: "{name}: the file is empty.",
      preparing: "Preparing photos…",
      sending: "Sending…",
      retrying: "The connection dropped. Trying again in {s} seconds ({n} of {m})…",
      failed: "Sending failed: the connection dropped or is too slow. The files are not saved yet.",
      refused: "The files were not saved.",
      retry: "Try sending again",
      failed_label: "failed"
    }
  };
  var language = (document.documentElement.lang || "id").slice(0, 2) === "en" ? "en" : "id";
  var unsent = []; // forms whose picked files are not stored yet

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  // The form's data-msg-<key> first, then the page's words (templates/_upload_words.html,
  // from the pages' word table), then the copy above.
  function word(form, key, values) {
    var name = key.replace(/_/g, "-");
    var pageWords = document.getElementById("upload-words");
    var text = form.getAttribute("data-msg-" + name) ||
      (pageWords && pageWords.getAttribute("data-" + name)) || WORDS[language][key];
    return fill(text, values || {});
  }

  function megabytes(bytes) {
    var text = (Math.ceil(bytes / MB * 10) / 10).toFixed(1);
    return language === "id" ? text.replace(".", ",") : text;
  }

  function settingsOf(form) {
    var settings = {};
    Object.keys(DEFAULTS).forEach(function (key) {
      var name = "data-" + key.replace(/[A-Z]/g, function (c) { return "-" + c.toLowerCase(); });
      var value = parseFloat(form.getAttribute(name));
      settings[key] = isFinite(value) && value >= 0 ? value : DEFAULTS[key];
    });
    return settings;
  }

  function kindOf(file) {
    var type = TYPES[file.type] ? file.type : EXTENSIONS[(file.name.split(".").pop() || "").toLowerCase()];
    return type ? { type: type, kind: TYPES[type] } : null;
  }

  /* ---- messages and bars ---- */

  function setError(form, input, message) {
    var error = form.querySelector(".field-error");
    var field = form.querySelector(".field");
    error.textContent = message || "";
    error.hidden = !message;
    if (message) {
      input.setAttribute("aria-invalid", "true");
      field.classList.add("has-error");
    } else {
      input.removeAttribute("aria-invalid");
      field.classList.remove("has-error");
    }
  }

  function setResult(form, message) {
    form.querySelector(".upload-result").textContent = message || "";
  }

  function progressRows(form, files) {
    var list = form.querySelector(".progress-list");
    list.textContent = "";
    var rows = [];
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
      rows.push({ row: row, bar: bar, label: name, name: files[i].name });
    }
    list.hidden = false;
    return rows;
  }

  function showProgress(rows, files, loaded, total) {
    // The files travel in order in one body: spread the bytes sent over them.
    var sizes = 0;
    for (var i = 0; i < files.length; i++) { sizes += files[i].size; }
    var sent = sizes * (total ? loaded / total : 0);
    for (var j = 0; j < files.length; j++) {
      var part = files[j].size ? Math.min(1, Math.max(0, sent / files[j].size)) : 1;
      rows[j].bar.value = Math.round(part * 100);
      sent -= files[j].size;
    }
  }

  function markRows(form, rows, failed) {
    rows.forEach(function (item) {
      item.row.classList.toggle("upload-failed", failed);
      // Said in words too, not by colour alone.
      item.label.textContent = failed ? item.name + " (" + word(form, "failed_label") + ")" : item.name;
      if (!failed) { item.bar.value = 0; }
    });
  }

  function retryButton(form, show, onRetry) {
    var button = form.querySelector(".upload-retry");
    if (!show) {
      if (button) { button.remove(); }
      return;
    }
    if (!button) {
      button = document.createElement("button");
      button.type = "button";
      button.className = "button small secondary upload-retry";
      button.textContent = word(form, "retry");
      form.querySelector(".upload-result").insertAdjacentElement("afterend", button);
    }
    button.onclick = onRetry;
  }

  function setUnsent(form, pending) {
    var at = unsent.indexOf(form);
    if (pending && at < 0) { unsent.push(form); }
    if (!pending && at >= 0) { unsent.splice(at, 1); }
  }

  /* ---- checks and photo reduction, before any byte is sent ---- */

  function refusalOf(form, files, settings) {
    if (files.length > settings.maxFiles) {
      return word(form, "too_many", { max: settings.maxFiles });
    }
    for (var i = 0; i < files.length; i++) {
      var file = files[i];
      var kind = kindOf(file);
      if (!kind) { return word(form, "wrong_type", { name: file.name }); }
      if (file.size === 0) { return word(form, "empty", { name: file.name }); }
      // A photo above the limit may still fit once reduced; it is checked again after.
      if (kind.kind !== "photo" && file.size > settings.maxFileBytes) {
        return tooBig(form, file, settings);
      }
    }
    return "";
  }

  function tooBig(form, file, settings) {
    return word(form, "too_big", {
      name: file.name, size: megabytes(file.size), max: megabytes(settings.maxFileBytes)
    });
  }

  function toJpeg(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function encodeWithin(bitmap, scale, target) {
    var canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // a transparent PNG gets a white page, not a black one
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    var index = 0;
    function next() {
      return toJpeg(canvas, QUALITIES[index]).then(function (blob) {
        if (!blob) { return null; }
        if (blob.size <= target) { return blob; }
        index += 1;
        if (index < QUALITIES.length) { return next(); }
        // Even the lowest quality is too big (a very detailed photo): smaller, again.
        canvas.width = 0; // frees the pixels now on phones with little memory
        return Math.max(bitmap.width, bitmap.height) * scale > 800
          ? encodeWithin(bitmap, scale * 0.75, target)
          : blob;
      });
    }
    return next();
  }

  function reducedPhoto(file, settings) {
    if (file.size <= settings.photoTargetBytes || typeof createImageBitmap !== "function") {
      return Promise.resolve(file);
    }
    // imageOrientation "from-image": the pixels are turned the way the EXIF tag says, so
    // the JPEG drawn from them (which has no EXIF) shows the photo the right way up.
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, settings.photoMaxSide / Math.max(bitmap.width, bitmap.height));
      return encodeWithin(bitmap, scale, settings.photoTargetBytes).then(function (blob) {
        if (bitmap.close) { bitmap.close(); }
        if (!blob || blob.size >= file.size) { return file; }
        var name = file.name.replace(/\.(jpe?g|png)$/i, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
      });
    }, function () {
      return file; // not decodable here: the server judges it
    });
  }

  function prepared(files, settings) {
    return files.reduce(function (chain, file) {
      return chain.then(function (done) {
        var kind = kindOf(file);
        var ready = kind && kind.kind === "photo" ? reducedPhoto(file, settings) : Promise.resolve(file);
        return ready.then(function (result) { return done.concat([result]); });
      });
    }, Promise.resolve([]));
  }

  /* ---- sending, with a stall timeout and retries ---- */

  function send(form, job, attempt) {
    var input = form.querySelector("input[type=file]");
    var button = form.querySelector("button[type=submit]");
    var settings = job.settings;
    var files = job.files;
    var request = new XMLHttpRequest();
    var watchdog = null;
    var finished = false;

    function quiet() {
      if (watchdog) { clearTimeout(watchdog); }
      watchdog = setTimeout(function () { request.abort(); failed(); }, settings.stallMs);
    }

    function failed() {
      if (finished) { return; }
      finished = true;
      if (watchdog) { clearTimeout(watchdog); }
      if (attempt < settings.retries) {
        var wait = settings.retryDelayMs * Math.pow(2, attempt);
        setResult(form, word(form, "retrying", {
          s: Math.round(wait / 1000), n: attempt + 1, m: settings.retries
        }));
        setTimeout(function () { send(form, job, attempt + 1); }, wait);
        return;
      }
      button.disabled = false;
      markRows(form, job.rows, true);
      setResult(form, "");
      setError(form, input, word(form, "failed"));
      retryButton(form, true, function () { start(form, job); });
    }

    function refused(answer) {
      finished = true;
      button.disabled = false;
      setUnsent(form, false); // the server has said no: nothing waits to be sent
      markRows(form, job.rows, true);
      var message = answer && answer.detail ? answer.detail : word(form, "refused");
      if (answer && typeof answer.file_index === "number" && files[answer.file_index]) {
        message = files[answer.file_index].name + ": " + message;
      }
      setResult(form, "");
      setError(form, input, message);
      input.focus();
    }

    request.open("PUT", form.getAttribute("data-api"));
    request.setRequestHeader("Accept", "application/json");
    // The API takes the page's cookie only with the session's CSRF token (claims.http.csrf).
    request.setRequestHeader("X-CSRF-Token", form.getAttribute("data-csrf"));
    request.setRequestHeader("Accept-Language", language);
    request.upload.addEventListener("progress", function (event) {
      quiet();
      if (event.lengthComputable) { showProgress(job.rows, files, event.loaded, event.total); }
    });
    request.addEventListener("progress", quiet);
    request.addEventListener("load", function () {
      if (finished) { return; }
      if (watchdog) { clearTimeout(watchdog); }
      var answer = null;
      try { answer = JSON.parse(request.responseText); } catch (ignored) { answer = null; }
      if (request.status === 200 && answer) {
        finished = true;
        stored(form, job, answer);
      } else if (request.status >= 500 || request.status === 408 || request.status === 429) {
        failed(); // the server or the way to it, not the files: worth another try
      } else {
        refused(answer);
      }
    });
    request.addEventListener("error", failed);
    request.addEventListener("abort", failed);
    request.addEventListener("timeout", failed);
    var body = new FormData();
    files.forEach(function (file) { body.append("files", file, file.name); });
    quiet();
    request.send(body);
  }

  function start(form, job) {
    var input = form.querySelector("input[type=file]");
    job.settings = settingsOf(form);
    form.querySelector("button[type=submit]").disabled = true;
    retryButton(form, false);
    setError(form, input, "");
    markRows(form, job.rows, false);
    setResult(form, word(form, "sending"));
    setUnsent(form, true);
    send(form, job, 0);
  }

  function stored(form, job, answer) {
    var input = form.querySelector("input[type=file]");
    form.querySelector("button[type=submit]").disabled = false;
    setUnsent(form, false);
    job.rows.forEach(function (item) { item.bar.value = 100; });
    var done = form.getAttribute("data-done") || "{n}";
    setResult(form, done.replace("{n}", answer.pages));
    var item = form.closest(".doc");
    if (item) {
      item.className = "doc doc-uploaded";
      var status = item.querySelector("[data-role=status]");
      if (status && form.getAttribute("data-uploaded-label")) {
        status.textContent = form.getAttribute("data-uploaded-label");
      }
      var pages = item.querySelector("[data-role=pages]");
      if (pages) {
        pages.textContent = " · " + form.querySelector(".upload-result").textContent
          .replace(/^[^:]*:\s*/, "").replace(/\.$/, "");
      }
      var sentBack = item.querySelector(".sent-back");
      if (sentBack) { sentBack.remove(); }
      refreshStoredFiles(form, item);
    }
    input.value = "";
    form.uploadJob = null;
  }

  /* ---- the stored-files list, filled again after a send ---- */

  function sizeWords(box, bytes) {
    if (bytes < MB) { return fill(box.getAttribute("data-kb"), { n: Math.max(1, Math.round(bytes / 1000)) }); }
    return fill(box.getAttribute("data-mb"), { n: megabytes(bytes) });
  }

  function storedRow(box, form, file) {
    var name = file.name || fill(box.getAttribute("data-unnamed"), { n: file.position + 1 });
    var row = document.createElement("li");
    row.className = "stored-file";
    var title = document.createElement("span");
    title.className = "stored-file-name";
    title.textContent = name;
    var meta = document.createElement("span");
    meta.className = "stored-file-meta";
    meta.textContent = sizeWords(box, file.size_bytes) +
      (file.pages ? " · " + fill(box.getAttribute("data-pages"), { n: file.pages }) : "");
    var actions = document.createElement("span");
    actions.className = "stored-file-actions";
    var api = form.getAttribute("data-api") + "/files/" + file.id;
    if (file.viewable) {
      var view = document.createElement("a");
      view.href = api;
      view.textContent = box.getAttribute("data-view");
      view.setAttribute("aria-label", fill(box.getAttribute("data-view-named"), { name: name }));
      actions.appendChild(view);
    }
    if (file.removable) {
      var remove = document.createElement("form");
      remove.method = "post";
      remove.className = "stored-file-remove";
      remove.action = api.replace(/^\/api\/v1/, "") + "/hapus";
      var token = document.createElement("input");
      token.type = "hidden";
      token.name = box.getAttribute("data-csrf-field");
      token.value = box.getAttribute("data-csrf");
      var button = document.createElement("button");
      button.type = "submit";
      button.className = "button small danger";
      button.textContent = box.getAttribute("data-remove");
      button.setAttribute("aria-label", fill(box.getAttribute("data-remove-named"), { name: name }));
      remove.appendChild(token);
      remove.appendChild(button);
      actions.appendChild(remove);
    }
    row.appendChild(title);
    row.appendChild(meta);
    row.appendChild(actions);
    return row;
  }

  function refreshStoredFiles(form, item) {
    var box = item.querySelector(".stored-files");
    if (!box || typeof fetch !== "function") { return; }
    fetch(form.getAttribute("data-api") + "/files", {
      headers: { Accept: "application/json" }, credentials: "same-origin"
    }).then(function (answer) {
      return answer.ok ? answer.json() : null;
    }).then(function (listing) {
      if (!listing) { return; }
      var list = box.querySelector(".stored-file-list");
      list.textContent = "";
      listing.files.forEach(function (file) { list.appendChild(storedRow(box, form, file)); });
      box.hidden = listing.files.length === 0;
    }).catch(function () { /* the list is refreshed on the next page load */ });
  }

  /* ---- wiring ---- */

  function refuseHere(form, input, message) {
    setUnsent(form, false);
    setResult(form, "");
    setError(form, input, message);
    // Emptied, so that picking a file again (even the same one, made smaller) is seen.
    input.value = "";
    input.focus();
  }

  function picked(form) {
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files || []);
    var settings = settingsOf(form);
    retryButton(form, false);
    form.querySelector(".progress-list").hidden = true;
    form.uploadJob = null;
    if (files.length === 0) {
      setUnsent(form, false);
      return;
    }
    var refusal = refusalOf(form, files, settings);
    if (refusal) {
      refuseHere(form, input, refusal);
      return;
    }
    setError(form, input, "");
    setUnsent(form, true);
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    setResult(form, word(form, "preparing"));
    prepared(files, settings).then(function (ready) {
      button.disabled = false;
      for (var i = 0; i < ready.length; i++) {
        if (ready[i].size > settings.maxFileBytes) {
          refuseHere(form, input, tooBig(form, files[i], settings));
          return;
        }
      }
      var job = { files: ready, settings: settings, rows: progressRows(form, ready) };
      form.uploadJob = job;
      start(form, job); // upload on selection: nothing waits for a second tap
    });
  }

  // upload.css is linked by the page itself (claim_task_document.html), so that the stored
  // files are styled without JavaScript too.
  var forms = document.querySelectorAll("form.upload-form");
  for (var i = 0; i < forms.length; i++) {
    (function (form, index) {
      form.id = form.id || "upload-" + index;
      var input = form.querySelector("input[type=file]");
      input.addEventListener("change", function () { picked(form); });
      form.addEventListener("submit", function (event) {
        if (!input.files || input.files.length === 0) {
          return; // let the browser and the server say what is missing
        }
        event.preventDefault();
        if (form.uploadJob) { start(form, form.uploadJob); } else { picked(form); }
      });
    })(forms[i], i);
  }

  window.addEventListener("beforeunload", function (event) {
    if (unsent.length) {
      event.preventDefault();
      event.returnValue = ""; // the browser shows its own words
    }
  });
})();
