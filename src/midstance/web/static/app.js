// midstance web app: upload with progress, live analysis progress, confirmations.
// Served from the app itself (the Content-Security-Policy allows no inline or external script).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function showError(el, text) {
    if (!el) return;
    el.textContent = text;
    el.hidden = false;
  }

  // Forms that delete ask first.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      ev.preventDefault();
    }
  });

  // Upload: XHR so that the upload's own progress can be shown (fetch cannot report it).
  function setupUpload(form) {
    var errorBox = document.getElementById("upload-error");
    var box = form.querySelector(".upload-progress");
    var bar = document.getElementById("upload-bar");
    var status = document.getElementById("upload-status");
    var button = document.getElementById("upload-button");
    var maxBytes = Number(form.dataset.maxBytes || "0");

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (errorBox) errorBox.hidden = true;
      var input = form.querySelector('input[type="file"]');
      var file = input && input.files && input.files[0];
      if (!file) { showError(errorBox, "Choose a file first."); return; }
      if (maxBytes && file.size > maxBytes) {
        showError(errorBox, file.name + " is larger than the " + form.dataset.limitText + " limit; trim the clip and upload it again.");
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-CSRF-Token", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      xhr.responseType = "json";
      xhr.upload.addEventListener("progress", function (e) {
        if (!e.lengthComputable) return;
        bar.value = e.loaded / e.total;
        status.textContent = "Uploading… " + Math.round(100 * e.loaded / e.total) + " %";
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        status.textContent = "Checking the file…";
      });
      xhr.addEventListener("load", function () {
        var body = xhr.response || {};
        if (xhr.status === 201 && body.url) {
          status.textContent = "Uploaded. Starting the analysis…";
          window.location.assign(body.url);
          return;
        }
        box.hidden = true;
        button.disabled = false;
        showError(errorBox, body.error || ("The upload failed (HTTP " + xhr.status + "). Try again."));
      });
      xhr.addEventListener("error", function () {
        box.hidden = true;
        button.disabled = false;
        showError(errorBox, "The upload was interrupted (connection lost, or the file was refused). Try again.");
      });
      button.disabled = true;
      box.hidden = false;
      bar.value = 0;
      status.textContent = "Uploading… 0 %";
      xhr.send(new FormData(form));
    });
  }

  // Analysis progress: poll the job's JSON until it is done or failed, then show the result.
  var STAGES = {
    queued: "Waiting for a worker",
    starting: "Starting",
    pose: "Finding the runner in each frame",
    cleaning: "Cleaning the trajectories",
    events: "Finding foot contacts and midstance",
    metrics: "Measuring each step",
    report: "Writing the report",
    overlay: "Drawing the overlay",
    done: "Done"
  };

  function setupProgress(box) {
    var url = box.dataset.progressUrl;
    var bar = document.getElementById("analysis-bar");
    var stage = document.getElementById("analysis-stage");
    var delay = 800;
    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        })
        .then(function (p) {
          delay = 800;
          if (p.status === "done" || p.status === "failed") {
            window.location.reload();
            return;
          }
          bar.value = p.fraction;
          var words = STAGES[p.stage] || p.stage;
          if (p.status === "queued" && p.queued_ahead) words += " (" + p.queued_ahead + " ahead)";
          if (p.status === "running") words += " — " + Math.round(100 * p.fraction) + " %";
          stage.textContent = words + "…";
          window.setTimeout(tick, delay);
        })
        .catch(function () {
          delay = Math.min(delay * 2, 10000);
          stage.textContent = "Lost contact with the server; retrying…";
          window.setTimeout(tick, delay);
        });
    }
    window.setTimeout(tick, 300);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-upload]");
    if (form) setupUpload(form);
    var box = document.querySelector("[data-progress-url]");
    if (box) setupProgress(box);
    var copy = document.querySelector("input.copy");
    if (copy) copy.addEventListener("focus", function () { copy.select(); });
  });
})();
