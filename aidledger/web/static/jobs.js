// A job's page (job.html): while the job is queued or running, ask the server how far it got every second
// (GET /api/v1/jobs/ID, the session's cookie) and move the progress bar; once done go to the cycle's page, once failed
// load the page again, which shows the refusal's lines. Without JavaScript the page refreshes itself (noscript).
(function () {
  "use strict";
  var section = document.querySelector("section.job[data-job]");
  if (!section) { return; }
  var state = section.getAttribute("data-state");
  if (state !== "queued" && state !== "running") { return; }
  var id = section.getAttribute("data-job");
  var bar = document.getElementById("job-progress");
  var counted = document.getElementById("job-counted");
  var template = counted.getAttribute("data-template");

  function show(job) {
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = job.done;
    }
    counted.textContent = template.replace("{done}", job.done).replace("{total}", job.total);
  }

  function poll() {
    fetch("/api/v1/jobs/" + encodeURIComponent(id), {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (job) {
        show(job);
        if (job.state === "done" && job.cycle) {
          window.location.assign("/cycles/" + encodeURIComponent(job.cycle));
        } else if (job.state === "done" || job.state === "failed" || job.state !== state) {
          window.location.reload();  // the page says how it ended (or what it is doing now)
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function (status) {
        if (status === 401) {
          window.location.reload();  // signed out meanwhile: the page sends the browser to the sign-in page
        } else {
          window.setTimeout(poll, 5000);  // the server is busy or restarting: ask again later
        }
      });
  }

  window.setTimeout(poll, 1000);
}());
